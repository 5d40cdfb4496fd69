"""Purchase history import: the till history of a merchant's previous system, on day one.

`manage.py import_purchases` and the portal's page (`history_uploads`) hand the CSV here. Columns:
`customer_id`, `date`, `amount`, and optionally `time`, `shop`, `external_id`, `email`,
`phone`. The whole file is checked first; with one invalid row nothing is imported and the
report lists every problem by line. Then the new customers become members (`enrol_in_bulk`:
what `enrol_member` writes, with their reference and no welcome bonus) and the purchases go
in, one transaction per batch: in bulk and without points by default
(`loyalty.points.history`), or one by one through `record_purchase`, with points, when the
merchant asks for it.

A `customer_id` is the customer's id in the previous system. It finds the member holding it
as `external_ref`, else the member with that card number, else the member with the row's
email or phone (who then takes the reference); else a new member is enrolled with it.
Importing the same file again adds nothing: a row without `external_id` gets one from its
content (`history_file`), and a receipt recorded before is counted, not added.

What "nothing half-imported" means: an invalid row anywhere stops the import before anything
is written. Once the file is valid, the new members are written MEMBER_BATCH per transaction
and the purchases BATCH per transaction, each batch whole (its purchases and its members'
figures together). Only the database can then fail a batch (a restart, a concurrent import
of the same customers): that batch is rolled back, the ones before it stay, and importing
the same file again adds exactly what is missing.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.clock import local_today
from loyalty.models import Merchant, Shop, User
from loyalty.money import format_money
from loyalty.points.history import HistoricSale, existing_receipts, record_history
from loyalty.points.purchases import record_purchase
from members.models import Member, MemberStatus, is_valid_card_number
from members.services.enrolment import NewMember, enrol_in_bulk
from members.services.history_file import HistoryRow, RowReader, read_history

BATCH = 5000  # purchases per transaction
MEMBER_BATCH = 1000  # new members per transaction
LOOKUP_CHUNK = 2000  # values in one IN (…) look-up
RECEIPT_CHUNK = 20000  # receipt numbers in one array look-up (PostgreSQL)
MAX_LISTED = 1000  # errors a report keeps; the count is always complete

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class HistoryReport:
    """What the import found and did (or, in a dry run, would do)."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    members_created: int = 0
    members_matched: int = 0
    purchases_added: int = 0
    already_imported: int = 0
    points_awarded: int = 0
    dry_run: bool = False
    award_points: bool = False
    # The merchant's local days of the purchases to add, oldest first: the daily statistics
    # of these days are rebuilt after the import (history writes no outbox events).
    days: list[date] = field(default_factory=list)

    @property
    def first_day(self) -> date | None:
        return self.days[0] if self.days else None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(RowError(line, message))

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "errors": self.error_count,
            "members_created": self.members_created,
            "members_matched": self.members_matched,
            "purchases_added": self.purchases_added,
            "already_imported": self.already_imported,
            "points_awarded": self.points_awarded,
        }


@dataclass
class _Customer:
    """A customer_id of the file: the member it is, or the member it will be."""

    customer_id: str
    first: HistoryRow  # the earliest purchase: the new member joins then, at that shop
    email: str = ""
    phone: str = ""
    member_id: int | None = None
    takes_ref: bool = False  # found by card, email or phone: gets the reference
    same_as: str = ""  # a new customer of the file with the same email or phone


@dataclass
class ImportPlan:
    """What `plan_import` found: the report so far and what the import would write."""

    report: HistoryReport
    rows: list[HistoryRow]  # the valid rows not imported yet
    customers: dict[str, _Customer]
    shops: dict[int, Shop]


# --- Checking the whole file ---------------------------------------------------------------------


def _chunks(values: Sequence, size: int = LOOKUP_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _new_rows(
    merchant: Merchant, rows: list[HistoryRow], report: HistoryReport
) -> list[HistoryRow]:
    """The rows whose receipt is not recorded yet; one recorded with another amount is an
    error, the same amount counts as imported before."""
    known: dict[tuple[int, str], Decimal] = {}
    size = RECEIPT_CHUNK if connection.vendor == "postgresql" else LOOKUP_CHUNK
    for chunk in _chunks(sorted({row.external_id for row in rows}), size):
        known.update(existing_receipts(merchant, chunk, {row.shop_id for row in rows}))
    new = []
    for row in rows:
        existing = known.get((row.shop_id, row.external_id))
        if existing is None:
            new.append(row)
        elif existing != row.amount:
            report.add_error(
                row.line,
                _("The receipt %(id)s was recorded before with another amount (%(amount)s).")
                % {"id": row.external_id, "amount": format_money(existing, merchant)},
            )
        else:
            report.already_imported += 1
    return new


def _customers(rows: list[HistoryRow]) -> dict[str, _Customer]:
    customers: dict[str, _Customer] = {}
    for row in sorted(rows, key=lambda r: (r.occurred_at, r.line)):
        customer = customers.setdefault(row.customer_id, _Customer(row.customer_id, first=row))
        customer.email = customer.email or row.email
        customer.phone = customer.phone or row.phone
    return customers


def _members_by(merchant: Merchant, name: str, values: set[str]) -> dict[str, Member]:
    """The merchant's members whose `name` (external_ref, card_number, email or phone) is one
    of `values`, by that value."""
    members = Member.objects.for_merchant(merchant).only(
        "pk", "status", "card_number", "external_ref", "email", "phone"
    )
    found: dict[str, Member] = {}
    for chunk in _chunks(sorted(values)):
        if name == "email":
            # As the (merchant, LOWER(email)) unique index reads it (members/queries.py).
            query = members.annotate(key=Lower("email")).filter(key__in=chunk).exclude(email="")
        else:
            query = members.filter(**{f"{name}__in": chunk})
        for member in query:
            found[getattr(member, name).lower() if name == "email" else getattr(member, name)] = (
                member
            )
    return found


def _match_customers(
    merchant: Merchant, customers: dict[str, _Customer], report: HistoryReport
) -> None:
    """Each customer's member (by reference, then card, email, phone), or a new one."""
    ids = set(customers)
    by_ref = _members_by(merchant, "external_ref", ids)
    by_card = _members_by(merchant, "card_number", {i for i in ids if is_valid_card_number(i)})
    by_email = _members_by(merchant, "email", {c.email for c in customers.values() if c.email})
    by_phone = _members_by(merchant, "phone", {c.phone for c in customers.values() if c.phone})
    new_by_contact: dict[str, str] = {}
    referenced: set[int] = set()
    for customer in customers.values():
        member = by_ref.get(customer.customer_id)
        if member is None:
            member = (
                by_card.get(customer.customer_id)
                or by_email.get(customer.email)
                or by_phone.get(customer.phone)
            )
            customer.takes_ref = member is not None and not member.external_ref
        if member is not None:
            if member.status != MemberStatus.ACTIVE:
                report.add_error(
                    customer.first.line,
                    _("Customer %(customer)s is the member %(card)s, who is not active.")
                    % {"customer": customer.customer_id, "card": member.card_number},
                )
                continue
            customer.member_id = member.pk
            customer.takes_ref = customer.takes_ref and member.pk not in referenced
            referenced.add(member.pk)
            report.members_matched += 1
            continue
        # Two new customers of the file with one email or phone are one person.
        contacts = [contact for contact in (customer.email, customer.phone) if contact]
        twin = next((new_by_contact[c] for c in contacts if c in new_by_contact), "")
        if twin:
            customer.same_as = twin
            continue
        for contact in contacts:
            new_by_contact[contact] = customer.customer_id
        report.members_created += 1


def plan_import(
    *, merchant: Merchant, text: str, award_points: bool = False, now: datetime | None = None
) -> ImportPlan:
    """Check the whole file and work out what the import would do, writing nothing."""
    reader = RowReader(merchant, now or timezone.now())
    report = HistoryReport(award_points=award_points)
    rows = []
    for line, cells in read_history(text):
        report.rows += 1
        row = reader.row(line, cells)
        if isinstance(row, HistoryRow):
            rows.append(row)
        else:
            report.add_error(line, " ".join(row))
    rows = _new_rows(merchant, rows, report)
    customers = _customers(rows)
    _match_customers(merchant, customers, report)
    report.purchases_added = len(rows)
    tz = merchant.tzinfo
    report.days = sorted({row.occurred_at.astimezone(tz).date() for row in rows})
    report.errors.sort(key=lambda error: error.line)
    return ImportPlan(report=report, rows=rows, customers=customers, shops=reader.shops)


def days_to_rebuild(merchant: Merchant, report: HistoryReport) -> list[date]:
    """The days whose statistics an import changed: those of its purchases, and today when
    it awarded points (the ledger entries are written today). `loyalty.analytics` rebuilds
    them; it sits above this layer, so the command and the task call it."""
    if report.dry_run or not report.ok or not report.purchases_added:
        return []
    days = set(report.days)
    if report.award_points:
        days.add(local_today(merchant))
    return sorted(days)


# --- The import ----------------------------------------------------------------------------------


def _enrol_customers(
    merchant: Merchant, plan: ImportPlan, actor: User | None, now: datetime
) -> dict[str, int]:
    """The member id of every customer: new ones enrolled with their reference (in bulk,
    MEMBER_BATCH per transaction), found ones given theirs."""
    customers = list(plan.customers.values())
    member_ids = {c.customer_id: c.member_id for c in customers if c.member_id is not None}
    with transaction.atomic():
        for customer in customers:
            if customer.takes_ref:
                Member.objects.filter(pk=customer.member_id, external_ref="").update(
                    external_ref=customer.customer_id
                )
    new = [c for c in customers if c.member_id is None and not c.same_as]
    for chunk in _chunks(new, MEMBER_BATCH):
        people = [
            NewMember(
                external_ref=c.customer_id,
                email=c.email,
                phone=c.phone,
                joined_at=c.first.occurred_at,
                shop=plan.shops[c.first.shop_id],
            )
            for c in chunk
        ]
        with transaction.atomic():
            members = enrol_in_bulk(merchant=merchant, people=people, actor=actor, now=now)
        for customer, member in zip(chunk, members, strict=True):
            member_ids[customer.customer_id] = member.pk
    for customer in customers:
        if customer.same_as:
            member_ids[customer.customer_id] = member_ids[customer.same_as]
    return member_ids


def _award(
    merchant: Merchant,
    plan: ImportPlan,
    batch: Sequence[HistoryRow],
    member_ids: dict[str, int],
    actor: User | None,
) -> tuple[int, int]:
    """The batch through the points engine, sale by sale: (purchases added, points)."""
    members = Member.objects.for_merchant(merchant).in_bulk(
        {member_ids[row.customer_id] for row in batch}
    )
    added = points = 0
    for row in batch:
        result = record_purchase(
            shop=plan.shops[row.shop_id],
            member=members[member_ids[row.customer_id]],
            external_id=row.external_id,
            amount=row.amount,
            occurred_at=row.occurred_at,
            actor=actor,
        )
        if result.created:
            added += 1
            points += result.points_earned
    return added, points


def import_history(
    *,
    merchant: Merchant,
    text: str,
    award_points: bool = False,
    dry_run: bool = False,
    actor: User | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> HistoryReport:
    """Check the file, then (unless it has errors or this is a dry run) import it.

    Raises ValidationFailed for a file that cannot be read (no header, missing columns).
    Purchases go in member by member, oldest first, BATCH per transaction;
    `progress(done, total)` is called after each. Without `award_points` they earn nothing
    and leave no ledger entry.
    """
    now = now or timezone.now()
    plan = plan_import(merchant=merchant, text=text, award_points=award_points, now=now)
    report = plan.report
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    member_ids = _enrol_customers(merchant, plan, actor, now)
    # A member's sales together and in order: each member's caches are written by one batch
    # (mostly), and with points each sale sees the ones before it (first purchase, tier).
    rows = sorted(
        plan.rows, key=lambda row: (member_ids[row.customer_id], row.occurred_at, row.line)
    )
    report.purchases_added = done = 0
    for batch in _chunks(rows, BATCH):
        with transaction.atomic():
            if award_points:
                added, points = _award(merchant, plan, batch, member_ids, actor)
                report.purchases_added += added
                report.points_awarded += points
            else:
                sales = [
                    HistoricSale(
                        shop_id=row.shop_id,
                        member_id=member_ids[row.customer_id],
                        external_id=row.external_id,
                        amount=row.amount,
                        occurred_at=row.occurred_at,
                    )
                    for row in batch
                ]
                report.purchases_added += record_history(
                    merchant=merchant, sales=sales, actor=actor, now=now
                )
        done += len(batch)
        if progress is not None:
            progress(done, len(rows))
    log_action(
        merchant=merchant,
        actor=actor,
        action="members.history.imported",
        data={**report.counts(), "award_points": award_points},
    )
    return report
