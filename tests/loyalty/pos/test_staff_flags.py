"""Staff signals: recorded as flags at the till, listed for the owner in the portal."""

from loyalty import staff_flags
from loyalty.models import FlagKind, StaffFlag
from tests.loyalty.pos.conftest import HX


def find_many(client, times: int):
    for _ in range(times):
        client.get("/pos/find/", {"q": "0721234567"}, **HX)


def test_a_member_found_more_than_n_times_a_day_is_flagged_once(cashier_client, cashier_a, ana):
    find_many(cashier_client, staff_flags.IDENTIFICATIONS_PER_DAY + 2)

    flag = StaffFlag.objects.get()
    assert (flag.kind, flag.member, flag.user) == (
        FlagKind.FREQUENT_IDENTIFICATION,
        ana,
        cashier_a,
    )
    assert flag.count == staff_flags.IDENTIFICATIONS_PER_DAY + 2


def test_n_finds_a_day_are_no_signal(cashier_client, ana):
    find_many(cashier_client, staff_flags.IDENTIFICATIONS_PER_DAY)

    assert not StaffFlag.objects.exists()


def test_the_owner_sees_the_signals_on_the_dashboard_and_their_page(
    cashier_client, owner_client, ana
):
    find_many(cashier_client, staff_flags.IDENTIFICATIONS_PER_DAY + 1)

    dashboard = owner_client.get("/portal/").content.decode()
    assert "1 staff signal" in dashboard
    page = owner_client.get("/portal/staff-flags/").content.decode()
    assert "Member found many times in a day" in page
    assert "cashier.a@example.com" in page
    assert ana.display_name in page


def test_managers_and_cashiers_do_not_see_the_signals(manager_client, cashier_client):
    assert manager_client.get("/portal/staff-flags/").status_code == 403
    assert cashier_client.get("/portal/staff-flags/").status_code == 403


def test_another_merchants_owner_sees_none_of_them(cashier_client, outsider_client, ana):
    find_many(cashier_client, staff_flags.IDENTIFICATIONS_PER_DAY + 1)

    page = outsider_client.get("/portal/staff-flags/").content.decode()
    assert "No signals" in page
