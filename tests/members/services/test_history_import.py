"""manage.py import_purchases: the purchase history of the merchant's previous system.

Merchant A is in Europe/Bucharest (UTC+2 in winter, UTC+3 in summer) with the default
program: 1 point per 1.00, no bonuses. Files are small and their figures are worked out here.
"""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loyalty.models import AuditEvent, EntryKind, Event, PointsEntry, Purchase
from loyalty.points.refunds import refund_purchase
from members.models import Member, MemberSource, MemberStatus
from members.services.enrolment import enrol_member
from members.services.gdpr import anonymize_member
from members.services.history_import import import_history
from members.services.status import set_member_status
from tests.loyalty.points.helpers import assert_reconciled, fresh, ring
from tests.personas import make_ana

HEADER = "customer_id,date,time,amount,shop,email,phone\n"
THREE_SALES = (
    HEADER + "C1,2024-01-15,09:30,12.50,,,\n"
    "C1,2024-07-01,,30.00,,,\n"
    "C2,2024-03-10,18:05,7.25,Old Town,maria@example.com,\n"
)


def run(tmp_path, merchant, text: str, *args: str) -> tuple[str, str]:
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command(
        "import_purchases", "--merchant", merchant.slug, str(path), *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def failing(tmp_path, merchant, text: str, *args: str) -> tuple[str, str]:
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_purchases",
            "--merchant",
            merchant.slug,
            str(path),
            *args,
            stdout=out,
            stderr=err,
        )
    return str(raised.value), err.getvalue()


def by_ref(merchant, ref: str) -> Member:
    return Member.objects.for_merchant(merchant).get(external_ref=ref)


def test_unknown_customers_become_members_holding_their_reference(tmp_path, merchant_a, shop_a):
    out, _err = run(tmp_path, merchant_a, THREE_SALES)

    assert "rows=3 errors=0 members_created=2 members_matched=0 purchases_added=3" in out
    c1, c2 = by_ref(merchant_a, "C1"), by_ref(merchant_a, "C2")
    assert (c1.email, c1.phone, c1.source) == ("", "", MemberSource.IMPORT)
    assert c2.email == "maria@example.com"
    # Joined on their first purchase: 15 January 09:30 in Bucharest is 07:30 UTC.
    assert c1.joined_at == datetime(2024, 1, 15, 7, 30, tzinfo=UTC)
    assert c1.enrolled_at_shop == shop_a
    assert c1.purchase_count == 2
    assert c1.lifetime_spend == Decimal("42.50")  # 12.50 + 30.00
    assert c1.first_purchase_at == datetime(2024, 1, 15, 7, 30, tzinfo=UTC)
    assert c1.last_purchase_at == datetime(2024, 6, 30, 21, 0, tzinfo=UTC)
    assert (c2.purchase_count, c2.lifetime_spend) == (1, Decimal("7.25"))
    assert Purchase.objects.filter(member=c1, shop=shop_a).count() == 2
    assert AuditEvent.objects.filter(action="members.history.imported").count() == 1


def test_historic_purchases_earn_no_points_by_default(tmp_path, merchant_a):
    run(tmp_path, merchant_a, THREE_SALES)

    c1 = by_ref(merchant_a, "C1")
    assert (c1.points_balance, c1.lifetime_points) == (0, 0)
    assert not PointsEntry.objects.filter(merchant=merchant_a).exists()
    assert set(Purchase.objects.values_list("points_earned", flat=True)) == {0}
    # No outbox flood: the members joined, the sales of years ago are not events.
    assert not Event.objects.filter(merchant=merchant_a, type="purchase.recorded").exists()
    assert_reconciled(merchant_a)


def test_award_points_earns_what_each_sale_would_have(tmp_path, merchant_a):
    out, _err = run(tmp_path, merchant_a, THREE_SALES, "--award-points")

    assert "purchases_added=3 already_imported=0 points_awarded=49" in out  # 12 + 30 + 7
    c1 = by_ref(merchant_a, "C1")
    assert (c1.points_balance, c1.lifetime_points, c1.purchase_count) == (42, 42, 2)
    earned = PointsEntry.objects.filter(member=c1, kind=EntryKind.EARN)
    assert sorted(earned.values_list("points", flat=True)) == [12, 30]
    assert_reconciled(merchant_a)


def test_dates_are_the_merchants_local_midnight(tmp_path, merchant_a):
    text = "customer_id,date,amount\nC1,2024-07-01,5.00\nC1,2024-12-01,5.00\n"

    run(tmp_path, merchant_a, text)

    times = sorted(Purchase.objects.values_list("occurred_at", flat=True))
    # Midnight in Bucharest: 21:00 UTC the day before, at UTC+3 in summer and UTC+2 in winter.
    assert times == [
        datetime(2024, 6, 30, 21, 0, tzinfo=UTC),
        datetime(2024, 11, 30, 22, 0, tzinfo=UTC),
    ]


def test_importing_the_same_file_twice_adds_nothing(tmp_path, merchant_a):
    run(tmp_path, merchant_a, THREE_SALES)
    members = Member.objects.count()

    out, _err = run(tmp_path, merchant_a, THREE_SALES)

    assert "members_created=0 members_matched=0 purchases_added=0 already_imported=3" in out
    assert Purchase.objects.count() == 3
    assert Member.objects.count() == members
    c1 = by_ref(merchant_a, "C1")
    assert (c1.purchase_count, c1.lifetime_spend) == (2, Decimal("42.50"))


def test_two_identical_rows_are_two_purchases_and_stay_two(tmp_path, merchant_a):
    text = "customer_id,date,amount\nC1,2024-05-02,3.50\nC1,2024-05-02,3.50\n"

    run(tmp_path, merchant_a, text)
    out, _err = run(tmp_path, merchant_a, text)

    assert "already_imported=2" in out
    ids = set(Purchase.objects.values_list("external_id", flat=True))
    assert len(ids) == 2 and all(i.startswith("imp-") and len(i) == 44 for i in ids)
    assert by_ref(merchant_a, "C1").lifetime_spend == Decimal("7.00")


def test_a_given_external_id_is_the_receipt_number(tmp_path, merchant_a, shop_a):
    text = "customer_id,date,amount,external_id\nC1,2024-05-02,3.50,T-1001\n"

    run(tmp_path, merchant_a, text)
    # The same receipt with another amount is an error, not a second sale.
    message, err = failing(tmp_path, merchant_a, text.replace("3.50", "4.50"))

    assert Purchase.objects.get().external_id == "T-1001"
    assert "line 2: The receipt T-1001 was recorded before with another amount (€3.50)." in err
    assert "1 invalid rows of 1: nothing was imported." in message


def test_known_customers_add_to_their_member(tmp_path, merchant_a):
    ana = make_ana(merchant_a)  # ana.pop@example.com, +40721234567
    bob = enrol_member(merchant=merchant_a, phone="0722 111 222")
    carla = enrol_member(merchant=merchant_a, email="carla@example.com")
    text = (
        HEADER + f"OLD-1,2024-02-01,,10.00,,ANA.POP@example.com,\n"
        f"OLD-2,2024-02-02,,20.00,,,+40 722 111 222\n"
        f"{carla.card_number},2024-02-03,,30.00,,,\n"
    )

    out, _err = run(tmp_path, merchant_a, text)

    assert "members_created=0 members_matched=3 purchases_added=3" in out
    assert [fresh(m).lifetime_spend for m in (ana, bob, carla)] == [
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("30.00"),
    ]
    # Found by email or phone, they take the reference: the next file finds them by it.
    assert (fresh(ana).external_ref, fresh(bob).external_ref) == ("OLD-1", "OLD-2")
    run(tmp_path, merchant_a, "customer_id,date,amount\nOLD-1,2024-03-01,5.00\n")
    assert fresh(ana).purchase_count == 2


def test_new_customers_with_one_email_are_one_member(tmp_path, merchant_a):
    text = (
        HEADER + "A1,2024-02-01,,10.00,,dan@example.com,\nA2,2024-02-02,,5.00,,dan@example.com,\n"
    )

    out, _err = run(tmp_path, merchant_a, text)

    assert "members_created=1" in out
    dan = Member.objects.get(email="dan@example.com")
    assert (dan.external_ref, dan.purchase_count) == ("A1", 2)


def test_another_merchants_reference_is_not_matched(tmp_path, merchant_a, merchant_b):
    run(tmp_path, merchant_b, "customer_id,date,amount\nC1,2024-01-02,9.00\n")

    out, _err = run(tmp_path, merchant_a, "customer_id,date,amount\nC1,2024-01-02,9.00\n")

    assert "members_created=1 members_matched=0 purchases_added=1" in out
    assert by_ref(merchant_a, "C1").merchant_id == merchant_a.pk
    assert by_ref(merchant_b, "C1").purchase_count == 1


def test_the_shop_column_names_the_shop(tmp_path, merchant_a, shop_a2):
    run(tmp_path, merchant_a, "customer_id,date,amount,shop\nC1,2024-01-02,9.00,station\n")

    assert Purchase.objects.get().shop == shop_a2


def test_every_invalid_row_is_listed_and_nothing_is_imported(tmp_path, merchant_a):
    members = Member.objects.count()
    text = (
        HEADER + "C1,2024-13-01,,10.00,,,\n"  # line 2
        "C1,01/02/2024,,10.00,,,\n"
        "C1,2024-02-01,25:00,10.00,,,\n"
        'C1,2024-02-01,,"1.234,50",,,\n'  # line 5
        "C1,2024-02-01,,1e5,,,\n"
        "C1,2024-02-01,,12.345,,,\n"
        "C1,2024-02-01,,-3.00,,,\n"
        "C1,2024-02-01,,10.00,Mall,,\n"
        "C1,2999-01-01,,10.00,,,\n"  # line 10
        "C1,2024-02-01,,10.00,,not-an-email,\n"
        ",2024-02-01,,,,,\n"
        "C1,2024-02-01,,20000.00,,,\n"
        "C3,2024-02-01,,4.00,,,\n"  # valid, and not imported either
    )

    message, err = failing(tmp_path, merchant_a, text)

    assert "12 invalid rows of 13: nothing was imported." in message
    lines = err.splitlines()
    assert lines == [
        "line 2: “2024-13-01” is not a date: write it as YYYY-MM-DD.",
        "line 3: “01/02/2024” is not a date: write it as YYYY-MM-DD.",
        "line 4: “25:00” is not a time: write it as HH:MM.",
        "line 5: “1.234,50” is written with a comma: write amounts with a dot for the "
        "decimals and no thousands separator, like 1234.50.",
        "line 6: “1e5” is not an amount: write digits with a dot for the decimals, like 1234.50.",
        "line 7: “12.345” has more than two decimals (or a thousands separator): write "
        "amounts with a dot for the decimals and no thousands separator, like 1234.50.",
        "line 8: The amount must be more than zero; refunds are not imported.",
        "line 9: No shop is named “Mall”. The shops are: Old Town.",
        "line 10: 2999-01-01 is in the future.",
        "line 11: “not-an-email” is not a valid email address.",
        "line 12: The customer_id is missing. The amount is missing.",
        "line 13: €20,000.00 is more than one sale can be (at most €10,000.00).",
    ]
    assert Purchase.objects.count() == 0
    assert Member.objects.count() == members


def test_a_blocked_member_is_an_error(tmp_path, merchant_a, owner_a):
    ana = make_ana(merchant_a, external_ref="C9")
    set_member_status(member=ana, actor=owner_a, status=MemberStatus.BLOCKED)

    _message, err = failing(tmp_path, merchant_a, "customer_id,date,amount\nC9,2024-01-02,9.00\n")

    assert f"line 2: Customer C9 is the member {ana.card_number}, who is not active." in err


def test_a_file_without_the_columns_is_refused(tmp_path, merchant_a):
    message, _err = failing(tmp_path, merchant_a, "client;day;total\nC1;2024-01-02;9.00\n")

    assert message.startswith("The first line must name the columns customer_id, date and amount")


def test_a_semicolon_file_is_read(tmp_path, merchant_a):
    run(tmp_path, merchant_a, "Customer ID;Date;Amount\nC1;2024-01-02;9.00\n")

    assert by_ref(merchant_a, "C1").lifetime_spend == Decimal("9.00")


def test_a_dry_run_prints_the_counts_and_writes_nothing(tmp_path, merchant_a):
    make_ana(merchant_a, external_ref="C2")
    members, events = Member.objects.count(), Event.objects.count()

    out, _err = run(tmp_path, merchant_a, THREE_SALES, "--dry-run")

    assert "dry run: nothing was written" in out
    assert "rows=3 errors=0 members_created=1 members_matched=1 purchases_added=3" in out
    assert (Member.objects.count(), Event.objects.count()) == (members, events)
    assert not Purchase.objects.exists()


def test_a_dry_run_lists_the_errors(tmp_path, merchant_a):
    message, err = failing(tmp_path, merchant_a, HEADER + "C1,2024-02-01,,1e5,,,\n", "--dry-run")

    assert "line 2: “1e5” is not an amount" in err
    assert "1 invalid rows of 1" in message


def test_the_caches_reconcile_after_an_import_a_refund_and_a_sale(tmp_path, merchant_a, shop_a):
    run(tmp_path, merchant_a, THREE_SALES)
    c1 = by_ref(merchant_a, "C1")
    historic = Purchase.objects.filter(member=c1).order_by("occurred_at").first()

    refund_purchase(purchase=historic, external_id="RF-1", amount=Decimal("2.50"))
    ring(shop_a, c1, "8.00")
    run(tmp_path, merchant_a, THREE_SALES)

    c1 = fresh(c1)
    # 12.50 - 2.50 refunded + 30.00 + today's 8.00; 8 points for today's sale only.
    assert (c1.purchase_count, c1.lifetime_spend, c1.points_balance) == (3, Decimal("48.00"), 8)
    assert_reconciled(merchant_a)


def test_progress_is_reported_per_batch(merchant_a):
    seen = []

    import_history(
        merchant=merchant_a,
        text=THREE_SALES,
        progress=lambda done, total: seen.append((done, total)),
    )

    assert seen == [(3, 3)]


def test_an_imported_member_without_contact_is_anonymized_with_the_reference(merchant_a):
    member = enrol_member(merchant=merchant_a, external_ref="C1")

    anonymize_member(member=member, reason="request")

    assert fresh(member).external_ref == ""
