"""The outbox keeps the daily statistics current: an event rebuilds the days it changed, and
recounts the members' balances (`loyalty.points.balances`) once per batch.

Rebuilding recomputes a whole day from raw rows, so handing an event over twice changes
nothing. A sale recorded (or claimed) now for an earlier time changes two days: the sale's, and
today's ledger. A refund or a reversal rewrites its sale's day (revenue is net of refunds) and
today's (the refund, the points taken back).

Only those two days. A back-dated sale also changes the snapshot of later days (the 90-day
active members) and whether a later sale of the member is a repeat; rebuilding up to 90 days
per sale would cost far more than it is worth, since only the "active at the start" of a past
period reads those days: they are right again after `rebuild_stats --since` (see
`loyalty.analytics.rollups`). Changes without a sale event (the nightly tier re-evaluation,
expiry, a cancelled voucher) reach today's row with the day's next rebuild: the next sale's
event or, at the latest, the nightly job, which rebuilds yesterday and today. `tier.changed`
is not consumed on purpose: the nightly re-evaluation can move thousands of members at once.
"""

from datetime import date

from loyalty.analytics.rollups import rebuild_day
from loyalty.clock import local_today
from loyalty.events import first_in_batch, register_consumer
from loyalty.models import Event, Merchant, Purchase
from loyalty.points.balances import count_balances
from members.models import Member

# Event types whose change shows in the statistics; voucher events change today's only.
SALE_EVENTS = ("purchase.recorded", "purchase.refunded", "purchase.reversed")
TODAY_EVENTS = ("voucher.issued", "voucher.used", "member.joined")


def days_of(event: Event, merchant: Merchant) -> set[date]:
    """The merchant's local days that `event` changed."""
    days = {local_today(merchant, event.created_at)}
    payload = event.payload or {}
    if event.type in SALE_EVENTS and payload.get("purchase"):
        occurred = (
            Purchase.objects.filter(merchant=merchant, pk=payload["purchase"])
            .values_list("occurred_at", flat=True)
            .first()
        )
        if occurred is not None:
            days.add(local_today(merchant, occurred))
    if event.type == "member.joined" and payload.get("member"):
        # An import enrols members with the day they joined the old program.
        joined = (
            Member.objects.filter(merchant=merchant, pk=payload["member"])
            .values_list("joined_at", flat=True)
            .first()
        )
        if joined is not None:
            days.add(local_today(merchant, joined))
    return days


def rebuild_days_of(event: Event) -> None:
    """The consumer: rebuild each day the event changed (idempotent: a rebuild recomputes).

    A day is rebuilt once per batch the outbox drains (`first_in_batch`): the batch's events
    were all committed before it was read, so one rebuild counts them all.
    """
    merchant = Merchant.objects.get(pk=event.merchant_id)
    for day in sorted(days_of(event, merchant)):
        if first_in_batch(("daily_stats", merchant.pk, day)):
            rebuild_day(merchant, day)
    if first_in_batch(("balances", merchant.pk)):
        count_balances(merchant)


def register() -> None:
    """Called from `loyalty.apps` (AppConfig.ready)."""
    for event_type in (*SALE_EVENTS, *TODAY_EVENTS):
        register_consumer(event_type, rebuild_days_of)
