"""Random histories of sales, refunds, redemptions, releases, expiry, reversals and
adjustments never break the ledger's invariants (see loyalty/models/points.py)."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from loyalty.models import EntryKind, PointsEntry, PointsLot
from loyalty.models.points import Purchase
from loyalty.points.jobs import expire_points, release_pending_points
from loyalty.points.ledger import InsufficientPoints, adjust_points, redeem_points
from loyalty.points.purchases import claim_purchase, record_purchase
from loyalty.points.reconcile import differences
from loyalty.points.refunds import refund_purchase, reverse_purchase
from loyalty.tenancy.services import create_merchant
from members.services.enrolment import enrol_member
from tests.factories import UserFactory
from tests.loyalty.points.helpers import configure, fresh

START = datetime(2030, 1, 6, 9, 30, tzinfo=UTC)
WELCOME = 5
_examples = itertools.count(1)

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2)


class LedgerMachine(RuleBasedStateMachine):
    """One merchant and one member per example, on a clock the rules move forward."""

    def __init__(self) -> None:
        super().__init__()
        n = next(_examples)
        self.owner = UserFactory(email=f"owner.prop{n}@example.com")
        self.merchant = create_merchant(
            owner=self.owner, name=f"Prop {n}", slug=f"prop-{n}", shop_name="Till"
        )
        configure(
            self.merchant,
            pending_days=3,
            expiry_mode="after_earning",
            expiry_months=1,
            welcome_bonus=WELCOME,
            first_purchase_bonus=10,
        )
        self.shop = self.merchant.shops.get()
        self.receipts = itertools.count(1)
        # The model: what the services told us they credited and took.
        self.credited = WELCOME
        self.taken = 0
        self.sales: list[Purchase] = []
        self.left_on_sale: dict[int, int] = {}  # points a reversal would take back
        self.clock = time_machine.travel(START, tick=False)
        self.clock.start()
        self.member = enrol_member(merchant=self.merchant, email=f"member.prop{n}@example.com")

    def teardown(self) -> None:
        self.clock.stop()

    def shift(self, delta: timedelta) -> None:
        later = timezone.now() + delta
        self.clock.stop()
        self.clock = time_machine.travel(later, tick=False)
        self.clock.start()

    def open_sales(self) -> list[Purchase]:
        return [sale for sale in self.sales if sale.reversed_at is None]

    # --- Rules -----------------------------------------------------------------------------------

    @initialize(amount=money, days_ago=st.integers(min_value=0, max_value=4))
    def first_sale(self, amount: Decimal, days_ago: int) -> None:
        self.buy(amount, days_ago)

    @rule(amount=money, days_ago=st.integers(min_value=0, max_value=4))
    def buy(self, amount: Decimal, days_ago: int) -> None:
        result = record_purchase(
            shop=self.shop,
            member=self.member,
            external_id=f"R{next(self.receipts)}",
            amount=amount,
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )
        assert result.created
        self.credited += result.points_earned
        self.sales.append(result.purchase)
        self.left_on_sale[result.purchase.pk] = result.points_earned

    @rule(amount=money, returned_first=st.booleans())
    def claim_a_receipt(self, amount: Decimal, returned_first: bool) -> None:
        sale = record_purchase(
            shop=self.shop, member=None, external_id=f"R{next(self.receipts)}", amount=amount
        ).purchase
        if returned_first and amount > Decimal("0.01"):
            half = (amount / 2).quantize(Decimal("0.01"))
            refund_purchase(purchase=sale, external_id=f"F{next(self.receipts)}", amount=half)
        result = claim_purchase(member=self.member, code=sale.claim_code)
        self.credited += result.points_earned
        sale.refresh_from_db()
        self.sales.append(sale)
        self.left_on_sale[sale.pk] = result.points_earned

    @precondition(lambda self: any(s.refundable_amount > 0 for s in self.open_sales()))
    @rule(data=st.data())
    def refund(self, data) -> None:
        sale = data.draw(st.sampled_from([s for s in self.open_sales() if s.refundable_amount]))
        amount = data.draw(
            st.one_of(
                st.just(sale.refundable_amount),
                st.decimals(min_value=Decimal("0.01"), max_value=sale.refundable_amount, places=2),
            ),
            label="amount",
        )
        result = refund_purchase(
            purchase=sale, external_id=f"F{next(self.receipts)}", amount=amount
        )
        assert result.created and result.points_clawed_back >= 0
        self.taken += result.points_clawed_back
        self.left_on_sale[sale.pk] -= result.points_clawed_back
        sale.refresh_from_db()

    @rule(data=st.data())
    def redeem(self, data) -> None:
        balance = fresh(self.member).points_balance
        # Mostly what the member can afford, sometimes more than that.
        wanted = data.draw(st.integers(min_value=1, max_value=max(balance, 0) + 20), label="wanted")
        try:
            redeem_points(member=self.member, points=wanted)
        except InsufficientPoints:
            assert balance < wanted
        else:
            assert balance >= wanted
            self.taken += wanted

    @rule(change=st.integers(min_value=-100, max_value=100).filter(bool))
    def adjust(self, change: int) -> None:
        balance = fresh(self.member).points_balance
        try:
            adjust_points(
                member=self.member, points=change, reason="property test", actor=self.owner
            )
        except InsufficientPoints:
            assert change < 0 and balance < -change
        else:
            if change > 0:
                self.credited += change
            else:
                assert balance >= -change
                self.taken -= change

    @precondition(lambda self: self.open_sales())
    @rule(data=st.data())
    def reverse(self, data) -> None:
        sale = data.draw(st.sampled_from(self.open_sales()))
        # What expired of the sale's own lots is gone already; the reversal takes the rest.
        lots = PointsLot.objects.filter(entry__purchase=sale, member=self.member)
        expired = -sum(
            PointsEntry.objects.filter(
                kind=EntryKind.EXPIRE, reference__in=[f"expire:lot:{lot.pk}" for lot in lots]
            ).values_list("points", flat=True)
        )
        reverse_purchase(purchase=sale, actor=self.owner, reason="property test")
        self.taken += max(self.left_on_sale[sale.pk] - expired, 0)
        sale.refresh_from_db()

    @rule(
        days=st.integers(min_value=1, max_value=40),
        jobs=st.sampled_from(["none", "release", "expire", "both"]),
    )
    def time_passes(self, days: int, jobs: str) -> None:
        self.shift(timedelta(days=days))
        if jobs in ("release", "both"):
            self.release()
        if jobs in ("expire", "both"):
            self.expire()

    def release(self) -> None:
        release_pending_points()
        assert not PointsLot.objects.filter(
            member=self.member, released=False, available_at__lte=timezone.now()
        ).exists()

    def expire(self) -> None:
        now = timezone.now()
        due_lots = PointsLot.objects.filter(member=self.member, expires_at__lte=now)
        due = due_lots.aggregate(v=Sum("remaining"))["v"] or 0
        before = set(PointsEntry.objects.filter(member=self.member).values_list("pk", flat=True))

        expire_points()

        written = PointsEntry.objects.filter(member=self.member).exclude(pk__in=before)
        assert {e.kind for e in written} <= {EntryKind.EXPIRE}
        assert -sum(e.points for e in written) == due
        assert not due_lots.filter(remaining__gt=0).exists()
        self.taken += due

    # --- Invariants, checked after every step ----------------------------------------------------

    @invariant()
    def the_ledger_holds(self) -> None:
        assert list(differences(self.merchant)) == []

        member = fresh(self.member)
        lots = list(PointsLot.objects.filter(member=member))
        assert all(0 <= lot.remaining <= lot.points for lot in lots)
        released = sum(lot.remaining for lot in lots if lot.released)
        pending = sum(lot.remaining for lot in lots if not lot.released)
        assert member.pending_points == pending >= 0
        if member.points_balance >= 0:
            assert member.points_balance == released
        else:
            assert released == 0

        # No points appear from nothing: what the ledger holds is what the services said they
        # credited minus what they said they took, and never more than was ever credited.
        entries = list(PointsEntry.objects.filter(member=member).values_list("points", flat=True))
        held = member.points_balance + member.pending_points
        assert sum(entries) == held == self.credited - self.taken
        assert sum(p for p in entries if p > 0) >= held


def test_random_histories_keep_the_ledger_consistent(db):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
