"""The program rules page: who may open it, what it saves, how it refuses, what it records."""

from decimal import Decimal

import pytest

from loyalty.errors import ValidationFailed
from loyalty.models import AuditEvent
from loyalty.models.points import ExpiryMode, Program
from loyalty.points.ledger import get_program
from loyalty.points.program import update_program
from loyalty.templatetags.fidela import points_with_money

URL = "/portal/program/"


@pytest.fixture
def program(merchant_a) -> Program:
    return get_program(merchant_a)


def form_data(program: Program, **changes) -> dict:
    """What the page posts when nothing is touched, with `changes` typed in."""
    data = {
        "points_per_unit": program.points_per_unit,
        "min_purchase_amount": program.min_purchase_amount,
        "excluded_categories": ", ".join(program.excluded_categories),
        "excluded_skus": ", ".join(program.excluded_skus),
        "point_value": program.point_value,
        "pending_days": program.pending_days,
        "claim_window_days": program.claim_window_days,
        "expiry_mode": program.expiry_mode,
        "expiry_months": program.expiry_months,
        "expiry_notice_days": program.expiry_notice_days,
        "welcome_bonus": program.welcome_bonus,
        "first_purchase_bonus": program.first_purchase_bonus,
        "birthday_bonus": program.birthday_bonus,
        "birthday_mode": program.birthday_mode,
        "profile_bonus": program.profile_bonus,
        "referral_bonus": program.referral_bonus,
        "referral_min_purchase": program.referral_min_purchase,
        "referral_monthly_cap": program.referral_monthly_cap,
        "max_points_per_purchase": program.max_points_per_purchase or "",
        "max_purchases_per_day": program.max_purchases_per_day or "",
        "unusual_sale_amount": program.unusual_sale_amount or "",
        "max_sale_amount": program.max_sale_amount or "",
        "tier_basis": program.tier_basis,
        "tier_window": program.tier_window,
        "tier_window_months": program.tier_window_months,
        "tier_grace_days": program.tier_grace_days,
    }
    data.update(changes)
    return data


def updates(merchant) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_merchant(merchant).filter(action="loyalty.program.updated"))


# --- Who may open it -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_owner_and_manager_see_the_rules_in_groups(request, persona, program):
    page = request.getfixturevalue(persona).get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    for legend in ["Earning", "Spending", "Expiry", "Bonuses", "Limits", "Tiers"]:
        assert f"<legend>{legend}</legend>" in html
    assert '<label for="id_point_value" class="required">Value of one point</label>' in html
    assert 'aria-current="page">Program</a>' in html


def test_cashier_gets_403(cashier_client):
    assert cashier_client.get(URL).status_code == 403
    assert cashier_client.post(URL, {}).status_code == 403


def test_the_sidebar_offers_the_program_to_managers(manager_client):
    html = manager_client.get("/portal/").content.decode()
    assert 'href="/portal/program/"' in html


def test_the_outsider_sees_and_changes_only_their_own_program(outsider_client, merchant_a):
    theirs = get_program(merchant_a)
    answer = outsider_client.post(URL, form_data(theirs, welcome_bonus=999))

    assert answer.status_code == 302
    theirs.refresh_from_db()
    assert theirs.welcome_bonus == 0
    assert updates(merchant_a) == []


# --- Saving ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_saving_changes_the_program_and_records_the_changed_fields(
    request, persona, program, merchant_a
):
    client = request.getfixturevalue(persona)

    answer = client.post(
        URL,
        form_data(
            program,
            points_per_unit="2",
            welcome_bonus="50",
            expiry_mode=ExpiryMode.AFTER_EARNING,
            expiry_months="6",
        ),
    )

    assert answer.status_code == 302
    assert answer["Location"] == URL
    program.refresh_from_db()
    assert program.points_per_unit == Decimal("2")
    assert program.welcome_bonus == 50
    assert program.expiry_mode == ExpiryMode.AFTER_EARNING
    assert program.expiry_months == 6
    [event] = updates(merchant_a)
    assert event.data["changed"] == [
        "expiry_mode",
        "expiry_months",
        "points_per_unit",
        "welcome_bonus",
    ]
    assert event.data["values"]["welcome_bonus"] == {"from": "0", "to": "50"}
    assert event.actor.email in {"owner.a@example.com", "manager.a@example.com"}
    assert "Program saved." in client.get(URL).content.decode()


def test_saving_without_changes_writes_no_audit_row(owner_client, program, merchant_a):
    answer = owner_client.post(URL, form_data(program), follow=True)

    assert "Nothing changed." in answer.content.decode()
    assert updates(merchant_a) == []


def test_excluded_categories_are_typed_with_commas_and_stored_as_a_list(owner_client, program):
    owner_client.post(
        URL,
        form_data(
            program,
            excluded_categories=" Tobacco, lottery,, tobacco ,Gift cards ",
            excluded_skus="SKU-1,SKU-2",
        ),
    )

    program.refresh_from_db()
    assert program.excluded_categories == ["Tobacco", "lottery", "Gift cards"]
    assert program.excluded_skus == ["SKU-1", "SKU-2"]
    html = owner_client.get(URL).content.decode()
    assert 'value="Tobacco, lottery, Gift cards"' in html


def test_an_emptied_exclusion_list_is_saved_as_an_empty_list(owner_client, program):
    program.excluded_skus = ["OLD"]
    program.save()

    owner_client.post(URL, form_data(program, excluded_skus=""))

    program.refresh_from_db()
    assert program.excluded_skus == []


def test_limits_left_empty_mean_no_limit(owner_client, program):
    program.max_points_per_purchase = 500
    program.save()

    owner_client.post(URL, form_data(program, max_points_per_purchase=""))

    program.refresh_from_db()
    assert program.max_points_per_purchase is None


# --- Refusals that explain themselves --------------------------------------------------------


def _errors(answer) -> str:
    assert answer.status_code == 200
    return answer.content.decode()


def test_expiring_points_need_at_least_one_month(owner_client, program):
    html = _errors(
        owner_client.post(
            URL, form_data(program, expiry_mode=ExpiryMode.AFTER_EARNING, expiry_months="0")
        )
    )

    assert "Points that expire need at least 1 month" in html
    assert "Nothing was saved." in html
    program.refresh_from_db()
    assert program.expiry_mode == ExpiryMode.NONE


def test_zero_months_is_fine_when_points_never_expire(owner_client, program, merchant_a):
    assert program.expiry_mode == ExpiryMode.NONE and program.expiry_months != 0

    answer = owner_client.post(URL, form_data(program, expiry_months="0"))

    assert answer.status_code == 302
    assert answer["Location"] == URL
    program.refresh_from_db()
    assert (program.expiry_mode, program.expiry_months) == (ExpiryMode.NONE, 0)
    [event] = updates(merchant_a)
    assert event.data["changed"] == ["expiry_months"]
    assert event.data["values"]["expiry_months"]["to"] == "0"
    assert event.actor.email == "owner.a@example.com"
    assert "Program saved." in owner_client.get(URL).content.decode()


def test_a_warning_longer_than_the_expiry_is_refused(owner_client, program):
    html = _errors(
        owner_client.post(
            URL,
            form_data(
                program,
                expiry_mode=ExpiryMode.INACTIVITY,
                expiry_months="1",
                expiry_notice_days="45",
            ),
        )
    )

    assert "A warning 45 days ahead would come before points 1 month old" in html


def test_a_limit_of_zero_is_explained(owner_client, program):
    html = _errors(owner_client.post(URL, form_data(program, max_points_per_purchase="0")))

    assert "leave it empty for no limit" in html


def test_a_negative_rate_is_refused(owner_client, program):
    html = _errors(owner_client.post(URL, form_data(program, points_per_unit="-1")))

    assert "greater than or equal to 0" in html
    program.refresh_from_db()
    assert program.points_per_unit == Decimal("1")


def test_a_rejected_value_does_not_leak_into_the_example(owner_client, program):
    html = _errors(
        owner_client.post(
            URL, form_data(program, point_value="5", expiry_mode="after_earning", expiry_months=0)
        )
    )

    # The example shows the saved value of a point, not the one just refused.
    assert "1,250 points · €12.50" in html


# --- The point value example -------------------------------------------------------------


def test_the_point_value_shows_an_example_in_the_merchant_currency(owner_client, program):
    html = owner_client.get(URL).content.decode()

    assert "Example: 1,250 points · €12.50." in html
    assert 'aria-describedby="id_point_value_helptext"' in html


def test_points_with_money_groups_digits_and_uses_the_currency_symbol(program, merchant_a):
    assert points_with_money(1250, program) == "1,250 points · €12.50"
    assert points_with_money(1, program) == "1 point · €0.01"
    assert points_with_money(0, program) == "0 points · €0.00"
    merchant_a.currency = "GBP"
    program.point_value = Decimal("0.005")
    assert points_with_money(1_000_000, program) == "1,000,000 points · £5,000.00"
    assert points_with_money("not a number", program) == ""


# --- The service ---------------------------------------------------------------------------


def test_update_program_refuses_incoherent_changes_whoever_calls_it(program, owner_a):
    with pytest.raises(ValidationFailed) as refused:
        update_program(
            program=program,
            actor=owner_a,
            changes={"expiry_mode": ExpiryMode.AFTER_EARNING, "expiry_months": 0},
        )

    assert refused.value.params["field"] == "expiry_months"
    program.refresh_from_db()
    assert program.expiry_mode == ExpiryMode.NONE


def test_update_program_checks_a_change_against_the_saved_settings(program, owner_a):
    update_program(program=program, actor=owner_a, changes={"expiry_months": 0})

    with pytest.raises(ValidationFailed):
        update_program(
            program=program, actor=owner_a, changes={"expiry_mode": ExpiryMode.INACTIVITY}
        )


def test_update_program_knows_only_program_settings(program, owner_a):
    with pytest.raises(ValueError, match="merchant"):
        update_program(program=program, actor=owner_a, changes={"merchant": None})


# --- Sale amount limits ------------------------------------------------------------------------


def test_the_sale_limits_show_the_currency_defaults(owner_client):
    html = owner_client.get(URL).content.decode()

    assert "Ask the cashier to confirm a sale above" in html
    assert "Refuse a sale above" in html
    assert "Empty: €500.00." in html
    assert "Empty: €10,000.00." in html


def test_the_sale_limits_are_saved_and_audited(owner_client, program, merchant_a):
    answer = owner_client.post(
        URL, form_data(program, unusual_sale_amount="300", max_sale_amount="2000")
    )

    assert answer.status_code == 302
    program.refresh_from_db()
    assert (program.unusual_sale_limit, program.max_sale_limit) == (
        Decimal("300.00"),
        Decimal("2000.00"),
    )
    assert set(updates(merchant_a)[0].data["changed"]) == {
        "unusual_sale_amount",
        "max_sale_amount",
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unusual_sale_amount": "0"}, "unusual_sale_amount", "more than zero"),
        ({"max_sale_amount": "-5"}, "max_sale_amount", "more than zero"),
        ({"max_sale_amount": "2000000"}, "max_sale_amount", "at most 999,999.99"),
        (
            {"unusual_sale_amount": "800", "max_sale_amount": "600"},
            "unusual_sale_amount",
            "cannot be above the maximum sale",
        ),
        # Against the default maximum (10,000 euros) when the maximum is left empty.
        ({"unusual_sale_amount": "20000"}, "unusual_sale_amount", "(10,000.00)"),
        # A maximum below the default unusual amount is fine: the question then never comes.
    ],
)
def test_incoherent_sale_limits_are_refused(owner_client, program, changes, field, message):
    html = _errors(owner_client.post(URL, form_data(program, **changes)))

    assert message in html
    assert f'href="#id_{field}"' in html
    program.refresh_from_db()
    assert program.unusual_sale_amount is None and program.max_sale_amount is None


def test_a_maximum_below_the_default_unusual_amount_needs_no_unusual_amount(owner_client, program):
    assert owner_client.post(URL, form_data(program, max_sale_amount="100")).status_code == 302

    program.refresh_from_db()
    assert (program.unusual_sale_limit, program.max_sale_limit) == (
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_update_program_refuses_an_unusual_amount_above_the_saved_maximum(program, owner_a):
    update_program(program=program, actor=owner_a, changes={"max_sale_amount": Decimal("1000")})

    with pytest.raises(ValidationFailed) as refused:
        update_program(
            program=program, actor=owner_a, changes={"unusual_sale_amount": Decimal("1500")}
        )

    assert refused.value.params["field"] == "unusual_sale_amount"
