"""CSV import of members: upload and preview, dry run, then the import in django-q2.

Every row goes through the same checks as a member typed in at the till (the contact
normalizers, then `enrol_member`), so an imported member is no different from any other.
Importing the same file twice adds nobody twice: a row whose email or phone is a member
already is skipped. Opening balances become `adjust` ledger entries with the reason
"imported", written by the points engine like any manual correction.
"""

import csv
import io
import logging
import re
import time
from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.errors import Conflict, ValidationFailed
from loyalty.models import Merchant, User
from loyalty.models.points import EntryKind, PointsEntry
from loyalty.points import ledger
from loyalty.points.ledger import MAX_ADJUSTMENT
from members.contacts import normalize_email, normalize_phone, parse_birthday
from members.models import ImportStatus, Member, MemberImport, MemberSource
from members.services.enrolment import DuplicateMember, enrol_member

logger = logging.getLogger(__name__)

COLUMNS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "birthday",
    "email_marketing",
    "sms_marketing",
    "points",
)
MAX_BYTES = 5 * 1024 * 1024
OPENING_REASON = "imported"
PROGRESS_EVERY = 50  # rows between two saves of the progress
TASK_SECONDS = 120  # one task stops after this and queues the rest: well inside the Q timeout
MAX_LISTED = 1000  # rows a report keeps by name; the counts are always complete
SAMPLE = 20
LOOKUP_CHUNK = 500
TASK = "members.tasks.run_import"

# C0 control characters (TAB excepted: a cell may hold one) and DEL have no place in a name or
# a contact; U+FFFD stands for a NUL of the upload (see decode_upload).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f\ufffd]")

_YES = {"1", "y", "yes", "true", "x", "on", "oui", "ja", "da", "si", "sí"}
_NO = {"", "0", "n", "no", "false", "off", "non", "nein", "nu"}


@dataclass
class ImportRow:
    """One line of the file as the import understands it; `code` says why it is skipped."""

    line: int
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    birthday: str = ""
    email_marketing: bool = False
    sms_marketing: bool = False
    points: int = 0
    code: str = ""
    problem: str = ""
    card: str = ""  # the member who has the contact already, for staff eyes

    @property
    def ok(self) -> bool:
        return not self.code

    def skip(self, code: str, problem: str, card: str = "") -> "ImportRow":
        self.code, self.problem, self.card = code, problem, card
        return self

    def as_dict(self) -> dict:
        return asdict(self)


# --- Reading the file ----------------------------------------------------------------------------


def decode_upload(data: bytes) -> str:
    """UTF-8 (with or without Excel's byte order mark), else Windows-1252, else Latin-1.

    A NUL becomes U+FFFD: PostgreSQL cannot keep NUL in text, and the file is kept as text. The
    row check refuses U+FFFD like the control character it stands for.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    return text.replace("\x00", "\ufffd")


def column_key(name: str) -> str:
    """A header cell as a column name: any case, spaces and dashes as underscores."""
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


def delimiter_of(text: str) -> str:
    """Comma, or the semicolon a European spreadsheet writes, or a tab: the header decides."""
    header = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=header.count)


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers, as {column: value}; header names in any case."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text))
    try:
        header = [column_key(name) for name in next(reader)]
    except (StopIteration, csv.Error):
        raise ValidationFailed(_("The file is empty."), code="empty_file") from None
    if "email" not in header and "phone" not in header:
        raise ValidationFailed(
            _(
                "The first line must name the columns, with at least “email” or “phone”. "
                "The columns read are: %(columns)s."
            )
            % {"columns": ", ".join(COLUMNS)},
            code="missing_columns",
        )
    rows = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            row = {
                name: value.strip()
                for name, value in zip(header, values, strict=False)
                if name in COLUMNS
            }
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ValidationFailed(
            _("Line %(line)s of the file cannot be read: %(error)s")
            % {"line": reader.line_num, "error": exc},
            code="unreadable_file",
        ) from None
    return rows


def _consent(value: str, column: str) -> bool:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationFailed(
        _("Write yes or no in %(column)s, not “%(value)s”.") % {"column": column, "value": value},
        code="invalid_consent",
    )


def _points(value: str) -> int:
    text = value.replace(" ", "").replace("\u00a0", "").replace(",", "")
    if not text:
        return 0
    try:
        number = int(text)
    except ValueError:
        number = None
    # The opening balance is a manual adjustment: the same limit as one typed in the portal.
    if number is None or not 0 <= number <= MAX_ADJUSTMENT:
        raise ValidationFailed(
            _("The points must be a whole number from 0 to %(maximum)s, not “%(value)s”.")
            % {"maximum": number_format(MAX_ADJUSTMENT, force_grouping=True), "value": value},
            code="invalid_points",
        )
    return number


def _birthday_text(day: date | None) -> str:
    if day is None:
        return ""
    if day.year < 1900:  # parse_birthday keeps a birthday without a year on year 4
        return f"--{day.month:02d}-{day.day:02d}"
    return day.isoformat()


def _parse_row(line: int, values: dict[str, str], country: str) -> ImportRow:
    row = ImportRow(
        line=line,
        first_name=values.get("first_name", "")[:80],
        last_name=values.get("last_name", "")[:80],
    )
    if any(_CONTROL.search(value) for value in values.values()):
        # Shown in the preview with the character marked, never enrolled.
        row.first_name = _CONTROL.sub("\ufffd", row.first_name)
        row.last_name = _CONTROL.sub("\ufffd", row.last_name)
        row.email = _CONTROL.sub("\ufffd", values.get("email", ""))[:254]
        row.phone = _CONTROL.sub("\ufffd", values.get("phone", ""))[:40]
        return row.skip(
            "control_character",
            _(
                "This row holds a control character (such as NUL) "
                "that a name or contact cannot hold."
            ),
        )
    try:
        row.email = normalize_email(values.get("email", ""))
        row.phone = normalize_phone(values.get("phone", ""), country)
        if not row.email and not row.phone:
            raise ValidationFailed(_("No email and no phone."), code="contact_required")
        row.birthday = _birthday_text(parse_birthday(values.get("birthday", "")))
        row.email_marketing = _consent(values.get("email_marketing", ""), "email_marketing")
        row.sms_marketing = _consent(values.get("sms_marketing", ""), "sms_marketing")
        row.points = _points(values.get("points", ""))
    except ValidationFailed as exc:
        # Keep what was typed, so the preview shows the value that is wrong.
        row.email = row.email or values.get("email", "")
        row.phone = row.phone or values.get("phone", "")
        row.skip(exc.code, exc.message)
    return row


def analyse(merchant: Merchant, text: str, *, check_members: bool = True) -> list[ImportRow]:
    """Every row with its problem, if any: a bad email or phone, a bad birthday, a duplicate
    of an earlier row, and (with `check_members`) a contact that is a member already."""
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for line, values in read_rows(text):
        row = _parse_row(line, values, merchant.country)
        if row.ok:
            for contact in (row.email, row.phone):
                if contact and contact in seen:
                    row.skip(
                        "duplicate_in_file",
                        _("Same %(contact)s as line %(line)s.")
                        % {"contact": contact, "line": seen[contact]},
                    )
                    break
            if row.ok:
                seen.update({contact: line for contact in (row.email, row.phone) if contact})
        rows.append(row)
    if check_members:
        _mark_members(merchant, [row for row in rows if row.ok])
    return rows


def _mark_members(merchant: Merchant, rows: list[ImportRow]) -> None:
    """Skip the rows whose email or phone is a member already: one query per 500 rows."""
    for start in range(0, len(rows), LOOKUP_CHUNK):
        chunk = rows[start : start + LOOKUP_CHUNK]
        emails = [row.email for row in chunk if row.email]
        phones = [row.phone for row in chunk if row.phone]
        existing = (
            Member.objects.for_merchant(merchant)
            .annotate(email_key=Lower("email"))
            .filter(Q(email_key__in=emails) | Q(phone__in=phones))
            .values_list("email_key", "phone", "card_number")
        )
        cards: dict[str, str] = {}
        for email, phone, card in existing:
            if email:
                cards[email] = card
            if phone:
                cards[phone] = card
        for row in chunk:
            for contact in (row.email, row.phone):
                if contact and contact in cards:
                    row.skip(
                        "already_member",
                        _("%(contact)s is already a member (card %(card)s).")
                        % {"contact": contact, "card": cards[contact]},
                        card=cards[contact],
                    )
                    break


def summarize(rows: list[ImportRow]) -> dict:
    """What a preview or a dry run shows: counts, the listed rows and the opening points."""
    good = [row for row in rows if row.ok]
    problems = [row for row in rows if not row.ok]
    listed = rows if len(rows) <= MAX_LISTED else problems[:MAX_LISTED]
    return {
        "rows": len(rows),
        "ok": len(good),
        "problems": len(problems),
        "points": sum(row.points for row in good),
        "all_listed": len(rows) <= MAX_LISTED,
        "listed": [row.as_dict() for row in listed],
        "sample": [row.as_dict() for row in good[:SAMPLE]],
    }


# --- Write paths ---------------------------------------------------------------------------------


def create_import(*, merchant: Merchant, actor: User, filename: str, data: bytes) -> MemberImport:
    """Keep an uploaded file with its preview. Nothing is imported yet."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than 5 MB; split it into smaller files."), code="file_too_large"
        )
    text = decode_upload(data)
    rows = analyse(merchant, text)
    if not rows:
        raise ValidationFailed(_("The file has no rows under its header."), code="empty_file")
    return MemberImport.objects.create(
        merchant=merchant,
        created_by=actor,
        filename=filename[:200],
        csv=text,
        total_rows=len(rows),
        report={"preview": summarize(rows)},
    )


def _lock_open(member_import: MemberImport) -> MemberImport:
    locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
    if locked.status not in (ImportStatus.PREVIEWED, ImportStatus.DRY_RUN):
        raise Conflict(_("This file is being imported or was imported already."), code="started")
    return locked


@transaction.atomic
def dry_run_import(*, member_import: MemberImport, actor: User) -> MemberImport:
    """Check every row against the members as they are now; create nothing."""
    member_import = _lock_open(member_import)
    rows = analyse(member_import.merchant, member_import.csv)
    member_import.report = {
        **member_import.report,
        "dry_run": {**summarize(rows), "at": timezone.now().isoformat()},
    }
    member_import.status = ImportStatus.DRY_RUN
    member_import.save(update_fields=["report", "status"])
    return member_import


@transaction.atomic
def start_import(
    *, member_import: MemberImport, actor: User, pay_welcome_bonus: bool = False
) -> MemberImport:
    """Queue the import; a django-q2 worker runs it once this transaction has committed.

    Imported members get the program's welcome bonus only with `pay_welcome_bonus`.
    """
    from django_q.tasks import async_task

    member_import = _lock_open(member_import)
    member_import.status = ImportStatus.RUNNING
    member_import.pay_welcome_bonus = pay_welcome_bonus
    member_import.processed_rows = member_import.created_count = member_import.skipped_count = 0
    member_import.report = {**member_import.report, "skipped": [], "attempts": 0}
    member_import.save(
        update_fields=[
            "status",
            "pay_welcome_bonus",
            "processed_rows",
            "created_count",
            "skipped_count",
            "report",
        ]
    )
    log_action(
        merchant=member_import.merchant,
        actor=actor,
        action="members.import.started",
        target=member_import,
        data={
            "filename": member_import.filename,
            "rows": member_import.total_rows,
            "pay_welcome_bonus": pay_welcome_bonus,
        },
    )
    pk = member_import.pk
    transaction.on_commit(lambda: async_task(TASK, pk))
    return member_import


def _opening_balance_given(member: Member) -> bool:
    return PointsEntry.objects.filter(
        member=member, kind=EntryKind.ADJUST, reason=OPENING_REASON
    ).exists()


def _import_row(member_import: MemberImport, row: ImportRow, *, recovering: bool) -> Member | None:
    """Enrol one row and give its opening balance. None when the row is skipped."""
    if not row.ok:
        return None
    actor = member_import.created_by
    try:
        member = enrol_member(
            merchant=member_import.merchant,
            email=row.email,
            phone=row.phone,
            first_name=row.first_name,
            last_name=row.last_name,
            birthday=row.birthday or None,
            source=MemberSource.IMPORT,
            actor=actor,
            email_marketing=row.email_marketing,
            sms_marketing=row.sms_marketing,
            consent_wording=_("Imported from %(filename)s") % {"filename": member_import.filename},
            welcome_bonus=member_import.pay_welcome_bonus,
        )
    except DuplicateMember as duplicate:
        member = duplicate.member
        # After a crash, the rows since the last saved progress run again: a member this
        # import enrolled then is finished, not skipped.
        ours = (
            recovering
            and member.source == MemberSource.IMPORT
            and member.joined_at >= member_import.created_at
            and member.enrolled_by_id == member_import.created_by_id
        )
        if not ours:
            contact = row.email if duplicate.field == "email" else row.phone
            row.skip(
                "already_member",
                _("%(contact)s is already a member (card %(card)s).")
                % {"contact": contact, "card": member.card_number},
                card=member.card_number,
            )
            return None
        if _opening_balance_given(member):
            return member
    except ValidationFailed as exc:
        row.skip(exc.code, exc.message)
        return None
    if row.points:
        # adjust_points is durable: it runs here, outside any transaction, after enrolment.
        ledger.adjust_points(member=member, points=row.points, reason=OPENING_REASON, actor=actor)
    return member


def _save_progress(member_import: MemberImport, **extra) -> None:
    fields = ["processed_rows", "created_count", "skipped_count", "report", *extra]
    for name, value in extra.items():
        setattr(member_import, name, value)
    MemberImport.objects.filter(pk=member_import.pk).update(
        **{name: getattr(member_import, name) for name in fields}
    )


def run_import(import_id: int, *, budget_seconds: float = TASK_SECONDS) -> MemberImport | None:
    """The worker: import rows from where the last run stopped, saving progress every 50 rows.

    Stops after `budget_seconds` and queues itself to go on, so a big file never hits the
    task timeout. A run for an import that is not running (done, or never started) does
    nothing, which makes the task safe to run twice.
    """
    from django_q.tasks import async_task

    member_import = (
        MemberImport.objects.select_related("merchant", "created_by").filter(pk=import_id).first()
    )
    if member_import is None or member_import.status != ImportStatus.RUNNING:
        return member_import
    report = member_import.report
    report["attempts"] = report.get("attempts", 0) + 1
    resumed_at = member_import.processed_rows if report["attempts"] > 1 else None
    skipped: list[dict] = report.setdefault("skipped", [])
    _save_progress(member_import)  # a run killed before its first save is a retry too
    deadline = time.monotonic() + budget_seconds
    try:
        rows = analyse(member_import.merchant, member_import.csv, check_members=False)
        member_import.total_rows = len(rows)
        for index in range(member_import.processed_rows, len(rows)):
            row = rows[index]
            recovering = resumed_at is not None and index < resumed_at + PROGRESS_EVERY
            if _import_row(member_import, row, recovering=recovering) is None:
                member_import.skipped_count += 1
                if len(skipped) < MAX_LISTED:
                    skipped.append(row.as_dict())
            else:
                member_import.created_count += 1
            member_import.processed_rows = index + 1
            if member_import.processed_rows % PROGRESS_EVERY == 0:
                _save_progress(member_import, total_rows=member_import.total_rows)
                if time.monotonic() > deadline and member_import.processed_rows < len(rows):
                    # The next run goes on from here; it is not a retry after a crash.
                    report["attempts"] = 0
                    _save_progress(member_import)
                    async_task(TASK, member_import.pk)
                    return member_import
    except Exception as exc:
        logger.exception("member import %s failed", member_import.pk)
        report["error"] = str(exc)[:500]
        _save_progress(member_import, status=ImportStatus.FAILED, finished_at=timezone.now())
        raise
    _save_progress(
        member_import,
        status=ImportStatus.DONE,
        finished_at=timezone.now(),
        total_rows=member_import.total_rows,
    )
    log_action(
        merchant=member_import.merchant,
        actor=member_import.created_by,
        action="members.import.finished",
        target=member_import,
        data={
            "filename": member_import.filename,
            "created": member_import.created_count,
            "skipped": member_import.skipped_count,
        },
    )
    return member_import
