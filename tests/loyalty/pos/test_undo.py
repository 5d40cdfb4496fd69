"""Undo: a cashier takes back their own last sale within 5 minutes, audited in the ledger."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from loyalty import staff_flags
from loyalty.models import AuditEvent, EntryKind, FlagKind, PointsEntry, Purchase, StaffFlag
from loyalty.pos import services as pos_services
from loyalty.pos.services import new_form_token
from tests.loyalty.pos.conftest import HX, sell


def undo(client, sale, token=None):
    return client.post(
        f"/pos/purchases/{sale.pk}/undo/",
        {"token": token or new_form_token(), "purchase": sale.pk},
        **HX,
    )


def test_the_cashier_undoes_their_last_sale(cashier_client, cashier_a, ana):
    sell(cashier_client, ana, "23.50")
    sale = Purchase.objects.get()

    answer = undo(cashier_client, sale)

    assert answer.status_code == 200
    assert "undone" in answer.content.decode()
    sale.refresh_from_db()
    ana.refresh_from_db()
    assert sale.reversed_by == cashier_a
    assert ana.points_balance == 0
    reversal = PointsEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.points == -23
    assert reversal.actor == cashier_a
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"loyalty.purchase.reversed", pos_services.UNDO_ACTION} <= actions


def test_the_result_of_a_sale_offers_the_undo(cashier_client, ana):
    html = sell(cashier_client, ana, "23.50").content.decode()

    assert "Undo this sale" in html


def test_after_five_minutes_the_undo_is_refused(cashier_client, ana):
    sell(cashier_client, ana, "23.50")
    sale = Purchase.objects.get()

    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        answer = undo(cashier_client, sale)

    assert answer.status_code == 403
    assert "within 5 minutes" in answer.content.decode()
    assert "need a manager" in answer.content.decode()
    sale.refresh_from_db()
    assert sale.reversed_at is None


def test_only_the_last_sale_can_be_undone(cashier_client, ana):
    sell(cashier_client, ana, "10.00")
    sell(cashier_client, ana, "12.00")
    first = Purchase.objects.get(amount=10)

    answer = undo(cashier_client, first)

    assert answer.status_code == 403
    first.refresh_from_db()
    assert first.reversed_at is None


def test_someone_elses_sale_cannot_be_undone(cashier_client, manager_at_shop, ana):
    sell(manager_at_shop, ana, "10.00")

    answer = undo(cashier_client, Purchase.objects.get())

    assert answer.status_code == 403
    assert Purchase.objects.get().reversed_at is None


def test_the_same_undo_form_twice_undoes_once(cashier_client, ana):
    sell(cashier_client, ana, "10.00")
    sale = Purchase.objects.get()
    token = new_form_token()

    undo(cashier_client, sale, token)
    again = undo(cashier_client, sale, token)

    assert again.status_code == 200
    assert PointsEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_an_undone_sale_cannot_be_undone_again(cashier_client, ana):
    sell(cashier_client, ana, "10.00")
    sale = Purchase.objects.get()
    undo(cashier_client, sale)

    assert undo(cashier_client, sale).status_code == 409


def test_many_undos_in_a_day_are_flagged(cashier_client, cashier_a, ana):
    for n in range(staff_flags.UNDOS_PER_DAY + 1):
        sell(cashier_client, ana, f"{10 + n}.00")
        undo(cashier_client, Purchase.objects.get(amount=10 + n))

    flag = StaffFlag.objects.get()
    assert (flag.kind, flag.user) == (FlagKind.MANY_UNDOS, cashier_a)
    assert flag.count == staff_flags.UNDOS_PER_DAY + 1


def test_a_few_undos_raise_no_flag(cashier_client, ana):
    for n in range(staff_flags.UNDOS_PER_DAY):
        sell(cashier_client, ana, f"{10 + n}.00")
        undo(cashier_client, Purchase.objects.get(amount=10 + n))

    assert not StaffFlag.objects.exists()


def test_undoing_a_sale_gives_back_the_voucher_used_on_it(cashier_client, ana, shop_a, merchant_a):
    from rewards.models import RewardKind, Voucher, VoucherStatus
    from rewards.services import redeem_reward
    from tests.loyalty.pos.conftest import give_points

    give_points(shop_a, ana, "320.00", "R-1")
    used = redeem_reward(member=ana, reward=merchant_a.rewards.get(kind=RewardKind.FREE_ITEM))
    sell(cashier_client, ana, "4.00", voucher=used.display_code)
    sale = Purchase.objects.get(amount=4)

    answer = undo(cashier_client, sale)

    used.refresh_from_db()
    assert Voucher.objects.count() == 1  # the same voucher, not a new one
    assert (used.status, used.used_purchase, used.used_at) == (VoucherStatus.ISSUED, None, None)
    assert used.masked_code in answer.content.decode()
    assert used.display_code not in answer.content.decode()
    assert "given back" in answer.content.decode()
    ana.refresh_from_db()
    assert ana.points_balance == 20  # the points of the redemption are not paid twice
