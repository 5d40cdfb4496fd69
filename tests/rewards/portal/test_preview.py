"""The preview: the card members will see, following the form as it changes (HTMX)."""

import pytest

from rewards.models import RewardKind
from tests.rewards.portal.test_reward_form import form_data

pytestmark = pytest.mark.django_db
PREVIEW = "/portal/rewards/preview/"
HTMX = {"HX-Request": "true"}


def test_it_renders_the_card_for_the_form_as_typed(manager_client, merchant_a):
    merchant_a.brand_color = "#7c2d12"
    merchant_a.save()

    answer = manager_client.post(PREVIEW, form_data(), headers=HTMX)

    page = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<div id="reward-preview"')
    assert 'class="reward-card"' in page
    assert "Free muffin" in page and "A free Muffin" in page and "250 points" in page
    # The card wears the merchant's colours from the form page's own style (the CSP allows no
    # style attribute): the preview keeps the class that style names.
    assert '<div class="reward-preview">' in page
    form_page = manager_client.get("/portal/rewards/new/").content.decode()
    assert ".reward-preview { --brand: #7c2d12;" in form_page


def test_it_shows_the_value_warning(manager_client):
    answer = manager_client.post(PREVIEW, form_data(points_cost="900", value="3.00"), headers=HTMX)

    assert "900 points = €9.00 of points for a €3.00 Muffin." in answer.content.decode()


def test_a_sensible_price_shows_no_warning(manager_client):
    page = manager_client.post(PREVIEW, form_data(), headers=HTMX).content.decode()

    assert "of points for" not in page


def test_one_wrong_field_does_not_blank_the_preview(manager_client):
    answer = manager_client.post(PREVIEW, form_data(validity_days="nonsense"), headers=HTMX)

    assert "Free muffin" in answer.content.decode()


def test_without_a_name_it_says_what_is_missing(manager_client):
    page = manager_client.post(PREVIEW, form_data(name=""), headers=HTMX).content.decode()

    assert "reward-card" not in page and "Give the reward a name" in page


def test_the_terms_show_on_the_card(manager_client, merchant_a):
    silver = merchant_a.tiers.get(name="Silver")
    data = form_data(
        kind=RewardKind.PERCENT_OFF,
        value="15",
        max_discount="10",
        item="",
        min_purchase="20",
        min_tier=str(silver.pk),
        stock="3",
        validity_days="14",
    )

    page = manager_client.post(PREVIEW, data, headers=HTMX).content.decode()

    assert "15% off (at most €10.00)" in page
    assert "For Silver members and above" in page
    assert "On a purchase of at least €20.00" in page
    assert "Only 3 left" in page
    assert "The voucher is valid for 14 days" in page


def test_editing_previews_the_saved_reward_with_the_changes(manager_client, coffee):
    data = form_data(name="Free flat white", reward_id=str(coffee.pk))

    page = manager_client.post(PREVIEW, data, headers=HTMX).content.decode()

    assert "Free flat white" in page
    coffee.refresh_from_db()
    assert coffee.name == "Free coffee"  # a preview saves nothing


def test_the_form_asks_for_the_preview_on_change(manager_client):
    page = manager_client.get("/portal/rewards/new/").content.decode()

    assert 'hx-post="/portal/rewards/preview/"' in page and 'hx-target="#reward-preview"' in page


def test_another_merchants_reward_is_not_previewed(outsider_client, coffee):
    data = form_data(name="", reward_id=str(coffee.pk))

    page = outsider_client.post(PREVIEW, data, headers=HTMX).content.decode()

    assert "Free coffee" not in page


def test_cashier_is_refused(cashier_client):
    assert cashier_client.post(PREVIEW, form_data(), headers=HTMX).status_code == 403


def test_the_stock_left_follows_a_new_total(manager_client, merchant_a, shop_a, ana):
    from rewards import services
    from tests.rewards.portal.conftest import give, make_reward

    cake = make_reward(merchant_a, name="Cake", points_cost=100, stock=8)
    services.redeem_reward(member=give(shop_a, ana, "100"), reward=cake)  # 7 left
    data = form_data(name="Cake", item="Cake", stock="10", reward_id=str(cake.pk))

    page = manager_client.post(PREVIEW, data, headers=HTMX).content.decode()

    assert "Only 9 left" in page
