"""Manual point changes at the till: managers only, with a reason; a cashier is refused."""

from loyalty.models import EntryKind, PointsEntry
from loyalty.pos.services import new_form_token
from tests.loyalty.pos.conftest import HX, find, give_points


def adjust(client, member, points, reason="Goodwill", token=None):
    find(client, member)  # only a member found at the till can be changed there
    return client.post(
        f"/pos/members/{member.pk}/adjust/",
        {"token": token or new_form_token(), "points": points, "reason": reason},
        **HX,
    )


def test_a_cashier_cannot_adjust_points(cashier_client, ana):
    assert adjust(cashier_client, ana, 50).status_code == 403
    assert not PointsEntry.objects.filter(kind=EntryKind.ADJUST).exists()


def test_the_cashier_sees_no_adjust_form(cashier_client, ana):
    find(cashier_client, ana)
    html = cashier_client.get(f"/pos/members/{ana.pk}/", **HX).content.decode()

    assert "/adjust/" not in html
    assert "need a manager" in html


def test_a_manager_adjusts_points_with_a_reason(manager_at_shop, manager_a, ana):
    answer = adjust(manager_at_shop, ana, 50)

    assert answer.status_code == 200
    entry = PointsEntry.objects.get(kind=EntryKind.ADJUST)
    assert (entry.points, entry.reason, entry.actor) == (50, "Goodwill", manager_a)
    ana.refresh_from_db()
    assert ana.points_balance == 50


def test_the_same_adjust_form_twice_changes_points_once(manager_at_shop, ana):
    token = new_form_token()

    adjust(manager_at_shop, ana, 50, token=token)
    adjust(manager_at_shop, ana, 50, token=token)

    ana.refresh_from_db()
    assert ana.points_balance == 50


def test_taking_more_than_the_balance_is_refused(manager_at_shop, ana, shop_a):
    give_points(shop_a, ana, "10.00", "R-1")

    answer = adjust(manager_at_shop, ana, -50)

    assert answer.status_code == 422
    ana.refresh_from_db()
    assert ana.points_balance == 10


def test_a_refused_adjustment_can_be_corrected_and_sent(manager_at_shop, ana, shop_a):
    token = new_form_token()
    adjust(manager_at_shop, ana, -50, token=token)

    # The token was given back when the service refused: the corrected form goes through.
    assert adjust(manager_at_shop, ana, 5, token=token).status_code == 200
    ana.refresh_from_db()
    assert ana.points_balance == 5
