"""The purchase history file: its lines read and checked one by one (`history_import` checks
the file as a whole and imports it).

Columns `customer_id`, `date`, `amount`, and optionally `time`, `shop`, `external_id`,
`email`, `phone`, named in the first line in any case; comma, semicolon or tab. Dates are
YYYY-MM-DD and times HH:MM in the merchant's time zone (no time: local midnight); amounts
have a dot for the decimals and no thousands separator. A row without `external_id` gets one
from its content (`imp-` and a SHA-1 of customer, date, time, amount and shop; the second
identical row of a file gets another), so importing the file again finds it.
"""

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.models import Merchant, Shop
from loyalty.models.points import Purchase
from loyalty.money import format_money
from loyalty.points.ledger import get_program
from members.contacts import normalize_email, normalize_phone
from members.models import Member
from members.services.imports import column_key, delimiter_of

REQUIRED = ("customer_id", "date", "amount")
COLUMNS = (*REQUIRED, "time", "shop", "external_id", "email", "phone")
HASH_PREFIX = "imp-"
MAX_REF = Member._meta.get_field("external_ref").max_length
MAX_EXTERNAL_ID = Purchase._meta.get_field("external_id").max_length

_AMOUNT = re.compile(r"\d{1,10}(?:\.\d{1,2})?")
_TOO_MANY_DECIMALS = re.compile(r"\d+\.\d{3,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class HistoryRow:
    """A valid line of the file: a purchase of one customer, at one shop."""

    line: int
    customer_id: str
    occurred_at: datetime
    amount: Decimal
    shop_id: int
    external_id: str
    email: str = ""
    phone: str = ""


def read_history(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers, as {column: value}; header names in any case."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text))
    try:
        header = [column_key(name) for name in next(reader)]
    except (StopIteration, csv.Error):
        raise ValidationFailed(_("The file is empty."), code="empty_file") from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationFailed(
            _(
                "The first line must name the columns customer_id, date and amount (missing: "
                "%(missing)s). Optional columns: time, shop, external_id, email, phone."
            )
            % {"missing": ", ".join(missing)},
            code="missing_columns",
        )
    try:
        for values in reader:
            if any(value.strip() for value in values):
                cells = zip(header, values, strict=False)
                yield reader.line_num, {k: v.strip() for k, v in cells if k in COLUMNS}
    except csv.Error as exc:
        raise ValidationFailed(
            _("Line %(line)s of the file cannot be read: %(error)s")
            % {"line": reader.line_num, "error": exc},
            code="unreadable_file",
        ) from None


class RowReader:
    """Turns a line's cells into a HistoryRow, or into the problems it has."""

    def __init__(self, merchant: Merchant, now: datetime):
        self.merchant = merchant
        self.tz = merchant.tzinfo
        self.now = now
        self.limit = get_program(merchant).max_sale_limit
        shops = list(Shop.objects.for_merchant(merchant).select_related("merchant").order_by("pk"))
        self.shops = {shop.pk: shop for shop in shops}
        self.by_name = {shop.name.strip().casefold(): shop for shop in shops}
        self.default_shop = next((shop for shop in shops if not shop.is_archived), None)
        self.contents: Counter[str] = Counter()
        self.receipts: dict[tuple[int, str], int] = {}
        self.checked: dict[str, tuple[str, str]] = {}  # contact as written: (value, problem)
        # A history of years has a few hundred days, times and amounts, each on many lines:
        # each distinct text is read once (the problems are the same on every line).
        self.days: dict[str, date | str] = {}
        self.times: dict[str, time | str] = {}
        self.amounts: dict[str, Decimal | str] = {}

    def row(self, line: int, cells: dict[str, str]) -> HistoryRow | list[str]:
        problems: list[str] = []
        customer_id = cells.get("customer_id", "")
        if not customer_id:
            problems.append(_("The customer_id is missing."))
        elif len(customer_id) > MAX_REF:
            problems.append(
                _("The customer_id is longer than %(max)s characters.") % {"max": MAX_REF}
            )
        occurred_at = self._when(cells.get("date", ""), cells.get("time", ""), problems)
        amount = self._amount(cells.get("amount", ""), problems)
        shop = self._shop(cells.get("shop", ""), problems)
        email = self._contact(normalize_email, cells.get("email", ""), problems)
        phone = self._contact(self._phone, cells.get("phone", ""), problems)
        external_id = cells.get("external_id", "")
        if len(external_id) > MAX_EXTERNAL_ID:
            problems.append(
                _("The external_id is longer than %(max)s characters.") % {"max": MAX_EXTERNAL_ID}
            )
        if problems:
            return problems
        external_id = external_id or self._content_id(customer_id, occurred_at, amount, shop)
        first_line = self.receipts.setdefault((shop.pk, external_id), line)
        if first_line != line:
            return [
                _("The receipt %(id)s is on line %(line)s already.")
                % {"id": external_id, "line": first_line}
            ]
        return HistoryRow(
            line, customer_id, occurred_at, amount, shop.pk, external_id, email, phone
        )

    def _when(self, day_text: str, time_text: str, problems: list[str]) -> datetime | None:
        if not day_text:
            problems.append(_("The date is missing."))
            return None
        day = self.days.get(day_text)
        if day is None:
            day = self.days[day_text] = self._day(day_text)
        if isinstance(day, str):
            problems.append(day)
            return None
        clock = time.min
        if time_text:
            clock = self.times.get(time_text)
            if clock is None:
                clock = self.times[time_text] = self._time(time_text)
            if isinstance(clock, str):
                problems.append(clock)
                return None
        # As `loyalty.clock.midnight` does for 00:00: the wall clock of the merchant's zone.
        moment = datetime.combine(day, clock, tzinfo=self.tz)
        if moment > self.now:
            problems.append(_("%(date)s is in the future.") % {"date": day_text})
            return None
        return moment

    @staticmethod
    def _day(text: str) -> date | str:
        """The day, or the problem with it."""
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            return _("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": text}

    @staticmethod
    def _time(text: str) -> time | str:
        """The time of day, or the problem with it."""
        match = _TIME.fullmatch(text)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            return _("“%(value)s” is not a time: write it as HH:MM.") % {"value": text}
        return time(int(match[1]), int(match[2]))

    def _amount(self, text: str, problems: list[str]) -> Decimal | None:
        amount = self.amounts.get(text)
        if amount is None:
            found: list[str] = []
            amount = self.amounts[text] = self._read_amount(text, found) or found[0]
        if isinstance(amount, str):
            problems.append(amount)
            return None
        return amount

    def _read_amount(self, text: str, problems: list[str]) -> Decimal | None:
        if not text:
            problems.append(_("The amount is missing."))
        elif "," in text:
            problems.append(
                _(
                    "“%(value)s” is written with a comma: write amounts with a dot for the "
                    "decimals and no thousands separator, like 1234.50."
                )
                % {"value": text}
            )
        elif _TOO_MANY_DECIMALS.fullmatch(text):
            problems.append(
                _(
                    "“%(value)s” has more than two decimals (or a thousands separator): write "
                    "amounts with a dot for the decimals and no thousands separator, like 1234.50."
                )
                % {"value": text}
            )
        elif text.startswith("-"):
            problems.append(_("The amount must be more than zero; refunds are not imported."))
        elif not _AMOUNT.fullmatch(text):
            problems.append(
                _(
                    "“%(value)s” is not an amount: write digits with a dot for the decimals, "
                    "like 1234.50."
                )
                % {"value": text}
            )
        elif (amount := Decimal(text)) <= 0:
            problems.append(_("The amount must be more than zero; refunds are not imported."))
        elif amount > self.limit:
            problems.append(
                _("%(amount)s is more than one sale can be (at most %(max)s).")
                % {
                    "amount": format_money(amount, self.merchant),
                    "max": format_money(self.limit, self.merchant),
                }
            )
        else:
            return amount
        return None

    def _shop(self, name: str, problems: list[str]) -> Shop | None:
        if not name:
            if self.default_shop is None:
                problems.append(_("Name the shop: the merchant has no open shop."))
            return self.default_shop
        shop = self.by_name.get(name.casefold())
        if shop is None:
            problems.append(
                _("No shop is named “%(name)s”. The shops are: %(shops)s.")
                % {"name": name, "shops": ", ".join(s.name for s in self.shops.values())}
            )
        return shop

    def _phone(self, raw: str) -> str:
        return normalize_phone(raw, self.merchant.country)

    def _contact(self, normalize: Callable[[str], str], raw: str, problems: list[str]) -> str:
        # A customer's contact is on each of their lines: checked once per distinct value.
        if raw not in self.checked:
            try:
                self.checked[raw] = (normalize(raw), "")
            except ValidationFailed as exc:
                self.checked[raw] = ("", exc.message)
        value, problem = self.checked[raw]
        if problem:
            problems.append(problem)
        return value

    def _content_id(
        self, customer_id: str, occurred_at: datetime, amount: Decimal, shop: Shop
    ) -> str:
        """The row's receipt number when the file gives none: the same for the same row in
        every import of the file; the second identical row of a file gets another."""
        local = occurred_at.astimezone(self.tz)  # itself: it was made in the merchant's zone
        content = (
            f"{customer_id}|{local.date().isoformat()}|{local.hour:02d}:{local.minute:02d}|"
            f"{amount}|{shop.pk}"
        )
        self.contents[content] += 1
        if self.contents[content] > 1:
            content += f"|{self.contents[content]}"
        return HASH_PREFIX + hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()
