"""Creating and editing a reward: every field, clear errors, the merchant's timezone."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from loyalty.models import AuditEvent
from loyalty.models.points import Tier
from rewards.models import LimitPeriod, Reward, RewardKind
from tests.rewards.portal.conftest import give, reward_url

pytestmark = pytest.mark.django_db
NEW = "/portal/rewards/new/"


def form_data(**changes) -> dict:
    data = {
        "name": "Free muffin",
        "description": "Any muffin.",
        "active": "on",
        "kind": RewardKind.FREE_ITEM,
        "value": "2.50",
        "max_discount": "",
        "item": "Muffin",
        "min_purchase": "",
        "validity_days": "30",
        "points_cost": "250",
        "min_tier": "",
        "limit_per_member": "",
        "limit_period": LimitPeriod.MONTH,
        "stock": "",
        "available_from": "",
        "available_until": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def png(size=(8, 8), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format=fmt)
    return buffer.getvalue()


def test_a_manager_creates_a_reward(manager_client, merchant_a, manager_a):
    answer = manager_client.post(NEW, form_data(stock="20", limit_per_member="2"))

    reward = Reward.objects.get(merchant=merchant_a, name="Free muffin")
    assert answer.status_code == 302 and answer["Location"] == reward_url(reward)
    assert reward.kind == RewardKind.FREE_ITEM and reward.item == "Muffin"
    assert reward.value == Decimal("2.50") and reward.points_cost == 250
    assert reward.stock == 20 and reward.stock_left == 20
    assert reward.limit_per_member == 2 and reward.active
    assert (
        reward.position > merchant_a.rewards.exclude(pk=reward.pk).order_by("-position")[0].position
    )
    audit = AuditEvent.objects.get(merchant=merchant_a, action="rewards.reward.created")
    assert audit.actor == manager_a


def test_the_window_is_read_in_the_merchants_timezone(manager_client, merchant_a):
    merchant_a.timezone = "Europe/Bucharest"
    merchant_a.save()

    manager_client.post(
        NEW, form_data(available_from="2027-03-01T09:00", available_until="2027-03-31T21:00")
    )

    reward = Reward.objects.get(merchant=merchant_a, name="Free muffin")
    bucharest = ZoneInfo("Europe/Bucharest")
    assert reward.available_from == datetime(2027, 3, 1, 9, 0, tzinfo=bucharest)
    assert reward.available_until == datetime(2027, 3, 31, 21, 0, tzinfo=bucharest)
    page = manager_client.get(reward_url(reward)).content.decode()
    assert 'value="2027-03-01T09:00"' in page


def test_a_percent_above_100_is_refused_beside_the_field(manager_client, merchant_a):
    answer = manager_client.post(NEW, form_data(kind=RewardKind.PERCENT_OFF, value="120", item=""))

    assert answer.status_code == 200
    assert answer.context["form"].errors["value"] == ["A percent discount is between 1 and 100."]
    assert "Nothing was saved" in answer.content.decode()
    assert not Reward.objects.filter(name="Free muffin").exists()


def test_a_free_item_needs_its_item(manager_client):
    answer = manager_client.post(NEW, form_data(item=""))

    assert answer.context["form"].errors["item"] == ["Name the free item, or its SKU."]


def test_an_amount_off_needs_an_amount(manager_client):
    answer = manager_client.post(NEW, form_data(kind=RewardKind.AMOUNT_OFF, value="0"))

    assert answer.context["form"].errors["value"] == ["Enter the amount this reward gives."]


def test_the_window_must_end_after_it_starts(manager_client):
    answer = manager_client.post(
        NEW, form_data(available_from="2027-03-02T09:00", available_until="2027-03-01T09:00")
    )

    assert answer.context["form"].errors["available_until"] == [
        "The end must come after the start."
    ]


def test_points_cost_is_required_and_positive(manager_client):
    answer = manager_client.post(NEW, form_data(points_cost="0"))

    assert "points_cost" in answer.context["form"].errors


def test_terms_of_another_kind_are_dropped(manager_client, merchant_a):
    manager_client.post(
        NEW, form_data(kind=RewardKind.AMOUNT_OFF, value="4", max_discount="9", item="Muffin")
    )

    reward = Reward.objects.get(merchant=merchant_a, name="Free muffin")
    assert reward.max_discount is None and reward.item == ""


def test_a_percent_discount_keeps_its_maximum(manager_client, merchant_a):
    manager_client.post(
        NEW, form_data(kind=RewardKind.PERCENT_OFF, value="20", max_discount="10", item="")
    )

    reward = Reward.objects.get(merchant=merchant_a, name="Free muffin")
    assert (reward.value, reward.max_discount) == (Decimal("20"), Decimal("10"))


def test_the_tier_choice_holds_only_this_merchants_tiers(manager_client, merchant_a, merchant_b):
    theirs = Tier.objects.for_merchant(merchant_b).get(name="Silver")
    ours = Tier.objects.for_merchant(merchant_a).get(name="Silver")

    page = manager_client.get(NEW).content.decode()
    answer = manager_client.post(NEW, form_data(min_tier=str(theirs.pk)))

    assert f'value="{ours.pk}"' in page and f'value="{theirs.pk}"' not in page
    assert "min_tier" in answer.context["form"].errors


def test_an_image_is_stored(manager_client, merchant_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("muffin.png", png(), content_type="image/png")

    manager_client.post(NEW, form_data(image=upload))

    reward = Reward.objects.get(merchant=merchant_a, name="Free muffin")
    # Named by its content's hash, as WebP (tests/rewards/portal/test_reward_pictures.py).
    assert reward.image.name.startswith("rewards/") and reward.image.name.endswith(".webp")
    assert (tmp_path / reward.image.name).exists()


def test_a_file_that_is_not_an_image_is_refused(manager_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("muffin.png", b"not a picture", content_type="image/png")

    answer = manager_client.post(NEW, form_data(image=upload))

    assert "image" in answer.context["form"].errors
    assert not Reward.objects.filter(name="Free muffin").exists()


def test_an_image_over_2_mb_is_refused(manager_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # A valid BMP of 1000 by 1000 pixels is about 3 MB.
    upload = SimpleUploadedFile("big.bmp", png((1000, 1000), "BMP"), content_type="image/bmp")

    answer = manager_client.post(NEW, form_data(image=upload))

    assert answer.context["form"].errors["image"] == ["The image is 2.9 MB; at most 2 MB, please."]


def test_an_image_of_another_format_is_refused(manager_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("small.bmp", png((4, 4), "BMP"), content_type="image/bmp")

    answer = manager_client.post(NEW, form_data(image=upload))

    assert answer.context["form"].errors["image"] == ["Use a JPEG, PNG, WebP or GIF image."]


def test_editing_moves_the_stock_left_with_the_total(
    manager_client, merchant_a, shop_a, ana, coffee
):
    from rewards import services

    manager_client.post(reward_url(coffee), form_data(name="Free coffee", stock="10"))
    coffee.refresh_from_db()
    assert (coffee.stock, coffee.stock_left) == (10, 10)
    services.redeem_reward(member=give(shop_a, ana, "300"), reward=coffee)

    answer = manager_client.post(
        reward_url(coffee), form_data(name="Free coffee", stock="15", points_cost="300")
    )

    coffee.refresh_from_db()
    assert answer.status_code == 302
    assert (coffee.stock, coffee.stock_left) == (15, 14)
    assert coffee.name == "Free coffee" and coffee.item == "Muffin"


def test_an_invalid_edit_changes_nothing(manager_client, coffee):
    answer = manager_client.post(reward_url(coffee), form_data(name=""))

    coffee.refresh_from_db()
    assert answer.status_code == 200 and "name" in answer.context["form"].errors
    assert coffee.name == "Free coffee"


def test_the_edit_page_shows_the_members_card(manager_client, coffee):
    page = manager_client.get(reward_url(coffee)).content.decode()

    assert 'class="reward-card' in page and "A free Coffee" in page
    assert "300 points" in page


def test_cashier_is_refused(cashier_client, merchant_a, coffee):
    assert cashier_client.get(NEW).status_code == 403
    assert cashier_client.post(NEW, form_data()).status_code == 403
    assert cashier_client.post(reward_url(coffee), form_data()).status_code == 403

    coffee.refresh_from_db()
    assert (coffee.name, coffee.points_cost) == ("Free coffee", 300)
    assert not Reward.objects.for_merchant(merchant_a).filter(name="Free muffin").exists()
    assert not AuditEvent.objects.for_merchant(merchant_a).filter(action__startswith="rewards.")


def test_the_outsider_gets_404(outsider_client, coffee):
    assert outsider_client.get(reward_url(coffee)).status_code == 404
    assert outsider_client.post(reward_url(coffee), form_data()).status_code == 404
    coffee.refresh_from_db()
    assert coffee.name == "Free coffee"
