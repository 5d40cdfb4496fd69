"""The tiers pages: list, create, edit, delete; the rules that keep the tiers coherent."""

from decimal import Decimal

import pytest

from loyalty.errors import DomainError
from loyalty.models import AuditEvent
from loyalty.models.points import Tier, TierBasis
from loyalty.points.ledger import get_program
from loyalty.points.program import delete_tier, save_tier, update_program
from members.services.enrolment import enrol_member

LIST = "/portal/program/tiers/"
NEW = "/portal/program/tiers/new/"


def tier(merchant, name: str) -> Tier:
    return Tier.objects.for_merchant(merchant).get(name=name)


def edit_url(t: Tier) -> str:
    return f"/portal/program/tiers/{t.pk}/"


def delete_url(t: Tier) -> str:
    return f"/portal/program/tiers/{t.pk}/delete/"


def data_of(t: Tier, **changes) -> dict:
    data = {
        "name": t.name,
        "threshold": t.threshold,
        "multiplier": t.multiplier,
        "benefits": t.benefits,
    }
    # The form shows the tier's words in the other languages too; an unchanged save posts them.
    for code, words in (t.translations or {}).items():
        for field, text in words.items():
            data[f"{field}_{code}"] = text
    data.update(changes)
    return data


def actions(merchant) -> list[str]:
    return list(
        AuditEvent.objects.for_merchant(merchant)
        .filter(action__startswith="loyalty.tier.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def members_in_tiers(merchant_a, shop_a):
    """Two members in Bronze (the entry tier at enrolment), one moved up to Silver."""
    members = [
        enrol_member(merchant=merchant_a, email=f"m{n}@example.com", shop=shop_a) for n in range(3)
    ]
    silver = tier(merchant_a, "Silver")
    type(members[0]).objects.filter(pk=members[0].pk).update(tier=silver)
    # The sample "15% off" reward is for Silver and up, which would keep Silver from deletion.
    merchant_a.rewards.update(min_tier=None)
    return members


# --- The list --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_owner_and_manager_see_tiers_with_thresholds_in_money_and_member_counts(
    request, persona, members_in_tiers
):
    html = request.getfixturevalue(persona).get(LIST).content.decode()

    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert [row.split("</th>")[0].split(">")[-1] for row in rows] == ["Bronze", "Silver", "Gold"]
    assert "€0" in rows[0] and "€500" in rows[1] and "€1,500" in rows[2]
    assert "×1.25" in rows[1]  # noqa: RUF001
    counts = [row.split('<td class="num">')[2].split("<")[0] for row in rows]
    assert counts == ["2", "1", "0"]


def test_thresholds_are_points_when_tiers_qualify_on_points(owner_client, merchant_a, owner_a):
    update_program(
        program=get_program(merchant_a), actor=owner_a, changes={"tier_basis": TierBasis.POINTS}
    )

    html = owner_client.get(LIST).content.decode()

    assert "1,500 points" in html
    assert "points they earned in the last 12 months" in html


def test_the_tiers_page_counts_members_in_one_query(
    owner_client, members_in_tiers, django_assert_max_num_queries
):
    owner_client.get(LIST)  # warm the session
    with django_assert_max_num_queries(8):
        owner_client.get(LIST)


def test_cashier_gets_403_on_every_tier_page(cashier_client, merchant_a):
    silver = tier(merchant_a, "Silver")
    for url in [LIST, NEW, edit_url(silver), delete_url(silver)]:
        assert cashier_client.get(url).status_code == 403, url
    assert cashier_client.post(delete_url(silver)).status_code == 403
    assert Tier.objects.filter(pk=silver.pk).exists()


def test_outsider_gets_404_on_tiers_of_another_merchant(outsider_client, merchant_a):
    silver = tier(merchant_a, "Silver")

    assert outsider_client.get(edit_url(silver)).status_code == 404
    assert outsider_client.post(edit_url(silver), data_of(silver, name="Mine")).status_code == 404
    assert outsider_client.get(delete_url(silver)).status_code == 404
    assert outsider_client.post(delete_url(silver)).status_code == 404
    silver.refresh_from_db()
    assert silver.name == "Silver"
    assert actions(merchant_a) == []


def test_outsider_lists_only_their_own_tiers(outsider_client, merchant_a, merchant_b, owner_b):
    save_tier(
        merchant=merchant_b,
        actor=owner_b,
        tier=tier(merchant_b, "Gold"),
        name="Platinum",
        threshold=Decimal("1500"),
        multiplier=Decimal("1.5"),
    )
    html = outsider_client.get(LIST).content.decode()
    assert "Platinum" in html and "Gold" not in html


# --- Creating and editing --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_owner_and_manager_add_a_tier(request, persona, merchant_a):
    client = request.getfixturevalue(persona)

    answer = client.post(
        NEW,
        {"name": "Platinum", "threshold": "5000", "multiplier": "2", "benefits": "Free coffee"},
    )

    assert answer.status_code == 302
    assert answer["Location"] == LIST
    platinum = tier(merchant_a, "Platinum")
    assert platinum.threshold == Decimal("5000") and platinum.multiplier == Decimal("2")
    assert platinum.benefits == "Free coffee"
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.tier.created")
    assert event.target_id == str(platinum.pk)
    assert event.data["threshold"] == "5000"


def test_editing_a_tier_records_what_changed(owner_client, merchant_a):
    silver = tier(merchant_a, "Silver")

    answer = owner_client.post(
        edit_url(silver), data_of(silver, threshold="750", benefits="10% off on Mondays")
    )

    assert answer.status_code == 302
    silver.refresh_from_db()
    assert silver.threshold == Decimal("750")
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.tier.updated")
    assert event.data["changed"] == ["benefits", "threshold"]
    assert event.data["values"]["threshold"] == {"from": "500.00", "to": "750"}


def test_saving_a_tier_unchanged_writes_no_audit_row(owner_client, merchant_a):
    silver = tier(merchant_a, "Silver")
    owner_client.post(edit_url(silver), data_of(silver))
    assert actions(merchant_a) == []


def test_the_edit_form_is_filled_with_the_tier(owner_client, merchant_a):
    html = owner_client.get(edit_url(tier(merchant_a, "Gold"))).content.decode()
    assert 'value="Gold"' in html and 'value="1500.00"' in html
    assert "Money spent to reach it (€)" in html


def _refusal(client, url, data) -> str:
    answer = client.post(url, data)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_higher_tier_cannot_earn_less_than_the_one_below(owner_client, merchant_a):
    silver = tier(merchant_a, "Silver")
    Tier.objects.filter(pk=tier(merchant_a, "Bronze").pk).update(multiplier=Decimal("1.10"))

    html = _refusal(owner_client, edit_url(silver), data_of(silver, multiplier="1.05"))

    assert "Silver (500) cannot earn less than Bronze (0): 1.05 &lt; 1.10." in html
    silver.refresh_from_db()
    assert silver.multiplier == Decimal("1.25")


def test_a_lower_tier_cannot_earn_more_than_the_one_above(owner_client, merchant_a):
    silver = tier(merchant_a, "Silver")

    html = _refusal(owner_client, edit_url(silver), data_of(silver, multiplier="1.75"))

    assert "Silver (500) cannot earn more than Gold (1,500): 1.75 &gt; 1.50." in html


def test_a_new_tier_fits_between_its_neighbours(owner_client, merchant_a):
    html = _refusal(
        owner_client, NEW, {"name": "Silver plus", "threshold": "1000", "multiplier": "1.2"}
    )
    assert "Silver plus (1,000) cannot earn less than Silver (500): 1.20 &lt; 1.25." in html
    assert not Tier.objects.for_merchant(merchant_a).filter(name="Silver plus").exists()


def test_moving_a_tier_past_another_checks_its_new_neighbours(owner_client, merchant_a):
    silver = tier(merchant_a, "Silver")

    html = _refusal(owner_client, edit_url(silver), data_of(silver, threshold="2000"))

    assert "Silver (2,000) cannot earn less than Gold (1,500): 1.25 &lt; 1.50." in html


def test_a_duplicate_name_is_refused_whatever_its_case(owner_client, merchant_a):
    html = _refusal(owner_client, NEW, {"name": "gold", "threshold": "3000", "multiplier": "2"})
    assert "A tier named “Gold” exists already; choose another name." in html


def test_a_duplicate_threshold_is_refused(owner_client, merchant_a):
    html = _refusal(
        owner_client, NEW, {"name": "Platinum", "threshold": "1500", "multiplier": "1.5"}
    )
    assert "Gold already starts at 1,500; two tiers cannot share a threshold." in html


def test_the_lowest_tier_cannot_be_raised_above_zero(owner_client, merchant_a):
    bronze = tier(merchant_a, "Bronze")

    html = _refusal(owner_client, edit_url(bronze), data_of(bronze, threshold="100"))

    assert "The lowest tier must start at 0 so every member has a tier." in html


def test_the_first_tier_must_start_at_zero(owner_client, merchant_a, owner_a):
    merchant_a.rewards.update(min_tier=None)
    Tier.objects.for_merchant(merchant_a).delete()

    html = _refusal(owner_client, NEW, {"name": "Club", "threshold": "10", "multiplier": "1"})
    assert "The lowest tier must start at 0 so every member has a tier." in html

    answer = owner_client.post(NEW, {"name": "Club", "threshold": "0", "multiplier": "1"})
    assert answer.status_code == 302


def test_a_multiplier_below_one_is_refused(owner_client, merchant_a):
    html = _refusal(owner_client, NEW, {"name": "Tin", "threshold": "50", "multiplier": "0.5"})
    assert "Ensure this value is greater than or equal to 1" in html


def test_points_thresholds_are_whole_numbers(merchant_a, owner_a):
    update_program(
        program=get_program(merchant_a), actor=owner_a, changes={"tier_basis": TierBasis.POINTS}
    )
    with pytest.raises(DomainError, match="whole number"):
        save_tier(
            merchant=merchant_a,
            actor=owner_a,
            name="Platinum",
            threshold=Decimal("2000.5"),
            multiplier=Decimal("2"),
        )


def test_save_tier_refuses_a_tier_of_another_merchant(merchant_a, merchant_b, owner_a):
    with pytest.raises(Tier.DoesNotExist):
        save_tier(
            merchant=merchant_a,
            actor=owner_a,
            tier=tier(merchant_b, "Gold"),
            name="Mine",
            threshold=Decimal("1500"),
            multiplier=Decimal("1.5"),
        )
    assert tier(merchant_b, "Gold").name == "Gold"


# --- Deleting --------------------------------------------------------------------------------


def test_the_confirmation_says_what_happens_to_the_members(
    owner_client, merchant_a, members_in_tiers
):
    html = owner_client.get(delete_url(tier(merchant_a, "Silver"))).content.decode()

    assert "Delete the tier Silver?" in html
    assert "1 member is in this tier." in html
    assert "tonight's re-evaluation places them" in html
    assert '<button type="submit" class="button danger">Delete the tier</button>' in html


@pytest.mark.parametrize("persona", ["owner_client", "manager_client"])
def test_deleting_a_tier_leaves_its_members_without_one_until_the_nightly_run(
    request, persona, merchant_a, members_in_tiers
):
    client = request.getfixturevalue(persona)
    silver = tier(merchant_a, "Silver")

    answer = client.post(delete_url(silver), follow=True)

    assert not Tier.objects.filter(pk=silver.pk).exists()
    members_in_tiers[0].refresh_from_db()
    assert members_in_tiers[0].tier is None
    members_in_tiers[1].refresh_from_db()
    assert members_in_tiers[1].tier.name == "Bronze"
    assert "Its 1 member is placed in a tier by tonight&#x27;s re-evaluation." in (
        answer.content.decode()
    )
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.tier.deleted")
    assert event.data == {
        "name": "Silver",
        "threshold": "500.00",
        "multiplier": "1.25",
        "members": 1,
    }


def test_the_nightly_run_places_members_of_a_deleted_tier(merchant_a, owner_a, members_in_tiers):
    from loyalty.points.jobs import reevaluate_tiers

    delete_tier(tier=tier(merchant_a, "Silver"), actor=owner_a)
    reevaluate_tiers()

    members_in_tiers[0].refresh_from_db()
    assert members_in_tiers[0].tier.name == "Bronze"


def test_the_entry_tier_cannot_be_deleted_while_others_exist(owner_client, merchant_a):
    bronze = tier(merchant_a, "Bronze")

    page = owner_client.get(delete_url(bronze)).content.decode()
    assert "Bronze is the entry tier (from 0) that new members start in." in page
    assert "Delete the tier</button>" not in page

    answer = owner_client.post(delete_url(bronze), follow=True)
    assert "Bronze is the entry tier" in answer.content.decode()
    assert Tier.objects.filter(pk=bronze.pk).exists()
    assert actions(merchant_a) == []


def test_the_last_tier_cannot_be_deleted(owner_client, merchant_a, owner_a):
    merchant_a.rewards.update(min_tier=None)  # the sample reward for Silver and up
    delete_tier(tier=tier(merchant_a, "Gold"), actor=owner_a)
    delete_tier(tier=tier(merchant_a, "Silver"), actor=owner_a)
    bronze = tier(merchant_a, "Bronze")

    answer = owner_client.post(delete_url(bronze), follow=True)

    assert "Bronze is the only tier; every member needs a tier" in answer.content.decode()
    assert Tier.objects.filter(pk=bronze.pk).exists()
    assert actions(merchant_a) == ["loyalty.tier.deleted", "loyalty.tier.deleted"]


def test_a_tier_that_a_reward_requires_is_not_deleted(owner_client, merchant_a, owner_a):
    silver = Tier.objects.for_merchant(merchant_a).get(name="Silver")

    with pytest.raises(DomainError) as error:
        delete_tier(tier=silver, actor=owner_a)

    assert "“15% off one purchase” is for Silver members and above" in error.value.message
    assert Tier.objects.filter(pk=silver.pk).exists()
