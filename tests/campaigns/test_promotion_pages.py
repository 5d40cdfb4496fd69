"""The promotion pages of the portal, the till's member panel and the API's breakdown."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import CategoryAffinity, Promotion, PromotionStatus, Segment
from campaigns.promotions.services import save_promotion
from loyalty.models import ApiKey, AuditEvent
from loyalty.tenancy.services import create_api_key
from rewards.queries import next_reward
from tests.loyalty.points.helpers import ring
from tests.loyalty.pos.conftest import find
from tests.personas import make_ana

pytestmark = pytest.mark.django_db

LIST = "/portal/campaigns/promotions/"
NEW = "/portal/campaigns/promotions/new/"


def form(**overrides) -> dict:
    return {
        "name": "Weekend of the Zanzibar beans",
        "multiplier": "2",
        "starts_at": "2030-03-01T00:00",
        "ends_at": "2030-03-03T00:00",
        "applies_to": "categories",
        "categories": "Coffee Beans, tea ,coffee beans",
        "skus": "",
        "audience": "everyone",
        "segment": "",
        "points_budget": "500",
        **overrides,
    }


def running(merchant, **fields) -> Promotion:
    now = timezone.now()
    values = {
        "name": "Double points weekend",
        "multiplier": Decimal("2"),
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=2),
        **fields,
    }
    return save_promotion(promotion=Promotion(merchant=merchant, **values), actor=None)


def test_a_manager_creates_a_promotion_in_the_merchants_time_zone(manager_client, merchant_a):
    merchant_a.timezone = "Europe/Bucharest"
    merchant_a.save(update_fields=["timezone"])

    response = manager_client.post(NEW, form())

    assert response.status_code == 302, response.content.decode()
    promotion = Promotion.objects.get(merchant=merchant_a)
    # 00:00 in Bucharest on 1 March is 22:00 UTC the day before.
    assert promotion.starts_at == datetime(2030, 2, 28, 22, 0, tzinfo=UTC)
    assert promotion.categories == ["coffee beans", "tea"]
    assert (promotion.points_budget, promotion.created_by.email) == (500, "manager.a@example.com")
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="campaigns.promotion.created"
    ).exists()
    html = manager_client.get(LIST).content.decode()
    assert "Weekend of the Zanzibar beans" in html and "coffee beans, tea" in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2030-02-28T00:00"}, "ends_at"),
        ({"multiplier": "1"}, "multiplier"),
        ({"multiplier": "10.5"}, "multiplier"),
        ({"categories": " , "}, "categories"),
        ({"applies_to": "skus", "skus": ""}, "skus"),
        ({"audience": "segment", "segment": ""}, "segment"),
        ({"audience": "member"}, "audience"),
    ],
)
def test_the_form_refuses_what_cannot_be_a_promotion(manager_client, overrides, field):
    response = manager_client.post(NEW, form(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Promotion.objects.exists()


def test_only_the_merchants_own_segments_can_be_chosen(manager_client, merchant_a, merchant_b):
    theirs = Segment.objects.create(merchant=merchant_b, name="Bee regulars")
    ours = Segment.objects.create(merchant=merchant_a, name="Aroma regulars")

    refused = manager_client.post(NEW, form(audience="segment", segment=str(theirs.pk)))
    assert "segment" in refused.context["form"].errors
    assert "Bee regulars" not in refused.content.decode()

    manager_client.post(NEW, form(audience="segment", segment=str(ours.pk)))
    assert Promotion.objects.get(merchant=merchant_a).segment == ours


def test_the_list_shows_given_points_and_the_budget_left(manager_client, merchant_a, shop_a):
    promotion = running(merchant_a, name="Quince season double", points_budget=100)
    ring(shop_a, make_ana(merchant_a), "30.00")
    running(
        merchant_a,
        name="Spring tea festival",
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=4),
    )

    html = manager_client.get(LIST).content.decode()

    running_part = html.split('id="promotions-scheduled"')[0]
    assert "Quince season double" in running_part and "30 points" in running_part
    assert "70 points / 100 points" in running_part
    assert "Spring tea festival" in html.split('id="promotions-scheduled"')[1]
    assert f"/portal/campaigns/promotions/{promotion.pk}/end/" in running_part


def test_ending_a_promotion_asks_first_then_ends_it_and_logs_it(manager_client, merchant_a):
    promotion = running(merchant_a)
    url = f"/portal/campaigns/promotions/{promotion.pk}/end/"

    assert "End “Double points weekend” now?" in manager_client.get(url).content.decode()
    assert Promotion.objects.get(pk=promotion.pk).status == PromotionStatus.ACTIVE
    manager_client.post(url)

    promotion.refresh_from_db()
    assert promotion.status == PromotionStatus.ENDED and promotion.ended_at is not None
    assert AuditEvent.objects.filter(
        merchant=merchant_a, action="campaigns.promotion.ended", target_id=str(promotion.pk)
    ).exists()


def test_editing_keeps_what_the_sales_counted(manager_client, merchant_a, shop_a):
    promotion = running(merchant_a, points_budget=100)
    ring(shop_a, make_ana(merchant_a), "20.00")
    local = timezone.localtime(promotion.starts_at, merchant_a.tzinfo)
    end = timezone.localtime(promotion.ends_at, merchant_a.tzinfo)

    low = manager_client.post(
        f"/portal/campaigns/promotions/{promotion.pk}/",
        form(
            applies_to="sale",
            starts_at=local.strftime("%Y-%m-%dT%H:%M"),
            ends_at=end.strftime("%Y-%m-%dT%H:%M"),
            points_budget="10",
        ),
    )
    assert "points_budget" in low.context["form"].errors
    manager_client.post(
        f"/portal/campaigns/promotions/{promotion.pk}/",
        form(
            name="Renamed double",
            applies_to="sale",
            starts_at=local.strftime("%Y-%m-%dT%H:%M"),
            ends_at=end.strftime("%Y-%m-%dT%H:%M"),
            points_budget="300",
        ),
    )
    promotion.refresh_from_db()
    assert (promotion.name, promotion.bonus_given, promotion.points_budget) == (
        "Renamed double",
        20,
        300,
    )


def test_another_merchants_promotion_is_a_404(manager_client, merchant_b):
    theirs = running(merchant_b)

    assert manager_client.get(f"/portal/campaigns/promotions/{theirs.pk}/").status_code == 404
    assert manager_client.post(f"/portal/campaigns/promotions/{theirs.pk}/end/").status_code == 404
    assert Promotion.objects.get(pk=theirs.pk).status == PromotionStatus.ACTIVE


def test_a_cashier_cannot_open_promotions(cashier_client):
    assert cashier_client.get(LIST).status_code == 403


def test_the_till_shows_the_members_promotions_now(cashier_client, merchant_a, shop_a):
    ana = make_ana(merchant_a)
    running(merchant_a, name="Zanzibar beans fortnight", applies_to="categories",
            categories=["coffee beans"], multiplier=Decimal("3"))  # fmt: skip
    running(
        merchant_a,
        name="Not yet the plum weekend",
        starts_at=timezone.now() + timedelta(days=5),
        ends_at=timezone.now() + timedelta(days=6),
    )

    html = find(cashier_client, ana).content.decode()  # the member panel, as the till opens it

    assert "Zanzibar beans fortnight" in html
    assert "×3 points on coffee beans until" in html  # noqa: RUF001
    assert "Not yet the plum weekend" not in html


def test_the_api_answers_the_breakdown_with_the_promotion(client, merchant_a, shop_a, owner_a):
    ana = make_ana(merchant_a)
    running(merchant_a)
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    assert ApiKey.objects.filter(merchant=merchant_a).exists()

    response = client.post(
        "/api/v1/purchases",
        {"external_id": "API-PROMO-1", "amount": "15.00", "member": ana.card_number},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 201, response.content
    parts = response.json()["points_breakdown"]
    assert {"kind": "promotion", "points": 15, "label": "Double points weekend ×2"} in parts  # noqa: RUF001


def test_the_member_sees_the_promotion_on_the_card_and_in_the_history(client, merchant_a, shop_a):
    merchant_a.timezone = "Europe/Bucharest"
    merchant_a.save(update_fields=["timezone"])
    ana = make_ana(merchant_a)
    now = timezone.now()
    # Ends at midnight in Bucharest: the last day is the day before.
    local_end = (now.astimezone(merchant_a.tzinfo) + timedelta(days=3)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    running(merchant_a, name="Quince weekend", ends_at=local_end)
    ring(shop_a, ana, "20.00")
    client.force_login(ana.user)

    card = client.get("/m/aroma/").content.decode()
    history = client.get("/m/aroma/history").content.decode()

    last_day = (local_end - timedelta(days=1)).strftime("%a %-d %b")  # "Sat 5 Dec" (CLDR)
    assert f"×2 points until {last_day}" in card  # noqa: RUF001
    assert "Quince weekend ×2: 20 points" in history  # noqa: RUF001


def test_the_portal_purchase_page_explains_the_promotion(manager_client, merchant_a, shop_a):
    running(merchant_a, name="Quince double")
    sale = ring(shop_a, make_ana(merchant_a), "20.00")

    html = manager_client.get(f"/portal/purchases/{sale.purchase.pk}/").content.decode()

    assert "20 base + 20 Quince double ×2" in html  # noqa: RUF001


def test_the_till_mentions_a_promotion_on_what_the_member_buys_most(
    cashier_client, merchant_a, shop_a
):
    ana = make_ana(merchant_a)
    for category, share in (("pastry", "0.30"), ("coffee beans", "0.60")):
        CategoryAffinity.objects.create(
            merchant=merchant_a, member=ana, category=category, spend="10", share=share
        )
    running(merchant_a, name="Pastry Tuesday", applies_to="categories", categories=["pastry"])
    running(merchant_a, name="Zanzibar beans fortnight", applies_to="categories",
            categories=["coffee beans"], multiplier=Decimal("3"))  # fmt: skip

    html = find(cashier_client, ana).content.decode()

    mention = html.split("Mention:")[1].split("</p>")[0]
    assert "Zanzibar beans fortnight" in mention and "they buy coffee beans most" in mention


def test_without_a_fitting_promotion_the_till_mentions_the_nearest_reward(
    cashier_client, merchant_a, shop_a
):
    ana = make_ana(merchant_a)
    nearest = next_reward(ana)
    assert nearest is not None and not nearest.affordable

    html = find(cashier_client, ana).content.decode()

    mention = html.split("Mention:")[1].split("</p>")[0]
    assert f"more for {nearest.reward.name}" in mention
