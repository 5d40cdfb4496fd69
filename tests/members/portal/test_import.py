"""CSV import: upload and preview with an error per row, dry run, the import in django-q2 with
its progress and report, opening balances in the ledger, and no member added twice."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_q.models import OrmQ

from loyalty.models import AuditEvent
from loyalty.models.points import EntryKind, PointsEntry
from loyalty.points import ledger as ledger_mod
from loyalty.points.ledger import get_program
from loyalty.points.program import update_program
from loyalty.points.reconcile import differences
from members import tasks
from members.models import Consent, ImportStatus, Member, MemberImport
from members.services import imports as import_service
from members.services.enrolment import enrol_member
from members.services.imports import create_import, start_import

UPLOAD = "/portal/members/import/"

GOOD = """email,phone,first_name,last_name,birthday,email_marketing,sms_marketing,points
ana@example.com,0721 234 567,Ana,Pop,1990-05-17,yes,no,120
,+40 722 345 678,Mihai,,--12-01,no,yes,0
carol@example.com,,Carol,Zed,,,,35
"""

MIXED = """Email;Phone;FIRST_NAME;Last Name;Birthday;Points
good@example.com;;Gina;;;10
not-an-email;;Bad;Email;;
;0722 11;Bad;Phone;;
good@example.com;;Gina;Again;;
member@example.com;;Already;There;;
feb@example.com;;Feb;;--02-30;
;;No;Contact;;
neg@example.com;;Neg;;;-5
"""


def import_url(member_import: MemberImport, suffix: str = "") -> str:
    return f"/portal/members/import/{member_import.pk}/{suffix}"


def upload(client, text: str, name: str = "members.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def last_import(merchant) -> MemberImport:
    return MemberImport.objects.for_merchant(merchant).latest("created_at")


def queued_imports() -> list[int]:
    """The import ids the django-q2 queue holds a run_import task for."""
    return [
        queued.task["args"][0]
        for queued in OrmQ.objects.order_by("pk")
        if queued.task["func"] == "members.tasks.run_import"
    ]


def run_queued(member_import: MemberImport, capture) -> MemberImport:
    """Start the import as the page does, check it was queued, then run the task here."""
    with capture(execute=True):
        start_import(member_import=member_import, actor=member_import.created_by)
    assert queued_imports()[-1] == member_import.pk
    tasks.run_import(member_import.pk)
    member_import.refresh_from_db()
    return member_import


# --- Upload and preview ------------------------------------------------------------------------


def test_upload_shows_a_preview_and_imports_nothing(owner_client, merchant_a):
    answer = upload(owner_client, GOOD)

    member_import = last_import(merchant_a)
    assert answer.status_code == 302 and answer["Location"] == import_url(member_import)
    assert member_import.status == ImportStatus.PREVIEWED
    assert member_import.total_rows == 3 and member_import.filename == "members.csv"
    html = owner_client.get(import_url(member_import)).content.decode()
    assert "3 rows read." in html and "3 are ready to import" in html
    assert "with 155 opening points in all" in html
    assert "+40721234567" in html and "--12-01" in html  # normalized values
    assert "Import 3 members" in html
    assert not Member.objects.for_merchant(merchant_a).exists()


def test_the_preview_gives_each_bad_row_its_error(owner_client, merchant_a):
    enrol_member(merchant=merchant_a, email="member@example.com")

    upload(owner_client, MIXED)

    rows = {row["line"]: row for row in last_import(merchant_a).report["preview"]["listed"]}
    assert rows[2]["code"] == ""
    assert rows[3]["code"] == "invalid_email"
    assert rows[3]["problem"] == "“not-an-email” is not a valid email address."
    assert rows[4]["code"] == "invalid_phone"
    assert rows[5]["code"] == "duplicate_in_file"
    assert rows[5]["problem"] == "Same good@example.com as line 2."
    assert rows[6]["code"] == "already_member"
    assert "member@example.com is already a member (card " in rows[6]["problem"]
    assert rows[7]["code"] == "invalid_birthday"
    assert rows[8]["code"] == "contact_required"
    assert rows[9]["code"] == "invalid_points"
    html = owner_client.get(import_url(last_import(merchant_a))).content.decode()
    assert "7 rows will be skipped" in html and "Import 1 member" in html
    assert "“not-an-email” is not a valid email address." in html
    assert "Same good@example.com as line 2." in html


HOSTILE = (
    "email,first_name,last_name,points\n"
    "huge@example.com,Huge,,99999999999999999999\n"
    "over@example.com,Over,,1000001\n"
    "max@example.com,Max,,1000000\n"
    "nul@example.com,Nu\x00l,,5\n"
    "esc@example.com,Esc,\x1b[31mRed,5\n"
    'tab@example.com,"Tab\tbed",,7\n'
    "fine@example.com,Fine,,12\n"
)


def test_the_preview_refuses_points_past_the_adjustment_limit_and_control_characters(
    merchant_a, owner_a
):
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="h.csv", data=HOSTILE.encode()
    )

    rows = {row["line"]: row for row in member_import.report["preview"]["listed"]}
    assert (rows[2]["code"], rows[3]["code"]) == ("invalid_points", "invalid_points")
    assert rows[2]["problem"] == (
        "The points must be a whole number from 0 to 1,000,000, not “99999999999999999999”."
    )
    assert rows[4]["code"] == ""
    assert rows[4]["points"] == 1_000_000
    assert (rows[5]["code"], rows[6]["code"]) == ("control_character", "control_character")
    assert rows[5]["problem"] == (
        "This row holds a control character (such as NUL) that a name or contact cannot hold."
    )
    assert "\x00" not in member_import.csv  # PostgreSQL cannot store NUL in text
    assert rows[7]["code"] == "" and rows[7]["first_name"] == "Tab\tbed"
    assert rows[8]["code"] == ""
    assert member_import.report["preview"]["ok"] == 3


def test_an_import_with_a_huge_number_and_a_nul_imports_the_other_rows(
    merchant_a, owner_a, django_capture_on_commit_callbacks
):
    member_import = run_queued(
        create_import(merchant=merchant_a, actor=owner_a, filename="h.csv", data=HOSTILE.encode()),
        django_capture_on_commit_callbacks,
    )

    assert member_import.status == ImportStatus.DONE
    assert (member_import.created_count, member_import.skipped_count) == (3, 4)
    skipped = {row["line"]: row["code"] for row in member_import.report["skipped"]}
    assert skipped == {
        2: "invalid_points",
        3: "invalid_points",
        5: "control_character",
        6: "control_character",
    }
    balances = dict(Member.objects.for_merchant(merchant_a).values_list("email", "points_balance"))
    assert balances == {
        "max@example.com": 1_000_000,
        "tab@example.com": 7,
        "fine@example.com": 12,
    }
    assert list(differences(merchant_a)) == []


def test_headers_are_read_in_any_case_and_with_semicolons(merchant_a, owner_a):
    member_import = create_import(
        merchant=merchant_a,
        actor=owner_a,
        filename="x.csv",
        data="E-MAIL;Phone\nx@example.com;\n".replace("E-MAIL", "Email").encode(),
    )
    assert member_import.report["preview"]["ok"] == 1


def test_a_windows_spreadsheet_file_with_accents_is_read(merchant_a, owner_a):
    data = "email,first_name\nz@example.com,Zoë\n".encode("cp1252")

    member_import = create_import(merchant=merchant_a, actor=owner_a, filename="x.csv", data=data)

    assert member_import.report["preview"]["listed"][0]["first_name"] == "Zoë"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The submitted file is empty."),
        ("name,city\nAna,Cluj\n", "The first line must name the columns"),
        ("email,phone\n", "The file has no rows under its header."),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_field_error(owner_client, merchant_a, text, message):
    answer = upload(owner_client, text)

    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not MemberImport.objects.for_merchant(merchant_a).exists()


def test_a_file_over_5_mb_is_refused(owner_client, merchant_a):
    big = "email\n" + "x" * (5 * 1024 * 1024)

    answer = upload(owner_client, big)

    assert "larger than 5 MB" in answer.content.decode()
    assert not MemberImport.objects.for_merchant(merchant_a).exists()


# --- Dry run ---------------------------------------------------------------------------------


def test_a_dry_run_shows_what_would_be_created_and_creates_nothing(
    owner_client, merchant_a, django_capture_on_commit_callbacks
):
    upload(owner_client, GOOD)
    member_import = last_import(merchant_a)
    enrol_member(merchant=merchant_a, email="carol@example.com")  # joined since the upload

    with django_capture_on_commit_callbacks(execute=True):
        answer = owner_client.post(import_url(member_import, "dry-run/"), follow=True)

    html = answer.content.decode()
    assert "Dry run: 2 members would be created and 1 rows skipped." in html
    assert "carol@example.com is already a member" in html
    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.DRY_RUN
    assert member_import.report["dry_run"]["ok"] == 2
    assert Member.objects.for_merchant(merchant_a).count() == 1
    assert not PointsEntry.objects.for_merchant(merchant_a).exists()
    assert not OrmQ.objects.exists()


# --- The import ------------------------------------------------------------------------------


def test_the_import_is_queued_then_creates_members_with_opening_balances(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    upload(owner_client, GOOD)
    member_import = last_import(merchant_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer = owner_client.post(import_url(member_import, "start/"))

    assert answer.status_code == 302 and answer["Location"] == import_url(member_import)
    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.RUNNING
    assert queued_imports() == [member_import.pk]

    tasks.run_import(member_import.pk)

    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.DONE
    assert (member_import.created_count, member_import.skipped_count) == (3, 0)
    assert member_import.processed_rows == 3 and member_import.finished_at
    members = Member.objects.for_merchant(merchant_a)
    ana = members.get(email="ana@example.com")
    assert ana.source == "import" and ana.enrolled_by == owner_a
    assert (ana.first_name, ana.last_name, ana.phone) == ("Ana", "Pop", "+40721234567")
    assert (ana.birth_day, ana.birth_month, ana.birth_year) == (17, 5, 1990)
    assert ana.email_marketing and not ana.sms_marketing
    assert ana.points_balance == 120
    mihai = members.get(phone="+40722345678")
    assert mihai.sms_marketing and mihai.points_balance == 0 and mihai.birth_year is None
    consent = Consent.objects.get(member=ana)
    assert (consent.source, consent.wording) == ("import", "Imported from members.csv")
    entries = PointsEntry.objects.for_merchant(merchant_a).filter(kind=EntryKind.ADJUST)
    assert sorted(entries.values_list("points", "reason")) == [(35, "imported"), (120, "imported")]
    assert set(entries.values_list("actor", flat=True)) == {owner_a.pk}
    assert list(differences(merchant_a)) == []
    call_command("reconcile_points")  # the command agrees
    assert (
        AuditEvent.objects.for_merchant(merchant_a)
        .filter(action__in=["members.import.started", "members.import.finished"])
        .count()
        == 2
    )


def test_importing_the_same_file_twice_adds_nobody_twice(
    merchant_a, owner_a, django_capture_on_commit_callbacks
):
    first = run_queued(
        create_import(merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()),
        django_capture_on_commit_callbacks,
    )
    second = run_queued(
        create_import(merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()),
        django_capture_on_commit_callbacks,
    )

    assert (first.created_count, second.created_count, second.skipped_count) == (3, 0, 3)
    assert {row["code"] for row in second.report["skipped"]} == {"already_member"}
    assert Member.objects.for_merchant(merchant_a).count() == 3
    assert PointsEntry.objects.for_merchant(merchant_a).filter(reason="imported").count() == 2
    assert second.report["preview"]["ok"] == 0  # the second preview said so already
    assert list(differences(merchant_a)) == []


def test_rows_with_problems_are_skipped_with_their_reason(
    merchant_a, owner_a, django_capture_on_commit_callbacks
):
    enrol_member(merchant=merchant_a, email="member@example.com")
    member_import = run_queued(
        create_import(merchant=merchant_a, actor=owner_a, filename="m.csv", data=MIXED.encode()),
        django_capture_on_commit_callbacks,
    )

    assert (member_import.created_count, member_import.skipped_count) == (1, 7)
    skipped = {row["line"]: row["code"] for row in member_import.report["skipped"]}
    assert skipped == {
        3: "invalid_email",
        4: "invalid_phone",
        5: "duplicate_in_file",
        6: "already_member",
        7: "invalid_birthday",
        8: "contact_required",
        9: "invalid_points",
    }


def test_a_running_import_cannot_be_started_or_dry_run_again(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        start_import(member_import=member_import, actor=owner_a)

    with django_capture_on_commit_callbacks(execute=True):
        again = owner_client.post(import_url(member_import, "start/"), follow=True)
        dry = owner_client.post(import_url(member_import, "dry-run/"), follow=True)

    assert "This file is being imported or was imported already." in again.content.decode()
    assert "This file is being imported or was imported already." in dry.content.decode()
    assert OrmQ.objects.count() == 1


def test_the_task_does_nothing_for_an_import_that_is_not_running(merchant_a, owner_a):
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()
    )

    tasks.run_import(member_import.pk)
    tasks.run_import(999999)

    assert not Member.objects.for_merchant(merchant_a).exists()


def test_progress_is_saved_every_50_rows_and_a_long_import_goes_on_in_a_new_task(
    merchant_a, owner_a, django_capture_on_commit_callbacks
):
    text = "email,points\n" + "".join(f"p{n}@example.com,{n % 3}\n" for n in range(120))
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="big.csv", data=text.encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        start_import(member_import=member_import, actor=owner_a)

    # A run out of time stops at the next save and queues the rest.
    import_service.run_import(member_import.pk, budget_seconds=0)

    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.RUNNING
    assert (member_import.processed_rows, member_import.created_count) == (50, 50)
    assert queued_imports() == [member_import.pk, member_import.pk]

    tasks.run_import(member_import.pk)

    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.DONE
    assert (member_import.processed_rows, member_import.created_count) == (120, 120)
    assert Member.objects.for_merchant(merchant_a).count() == 120
    assert list(differences(merchant_a)) == []


def test_a_retry_after_a_crash_finishes_the_rows_since_the_last_save(
    merchant_a, owner_a, django_capture_on_commit_callbacks, monkeypatch
):
    text = "email,points\n" + "".join(f"r{n}@example.com,7\n" for n in range(60))
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="crash.csv", data=text.encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        start_import(member_import=member_import, actor=owner_a)
    real_adjust = ledger_mod.adjust_points
    calls = {"n": 0}

    def dies_on_row_55(**kwargs):
        calls["n"] += 1
        if calls["n"] == 55:
            raise SystemExit("worker killed")  # not an Exception: like a killed process
        return real_adjust(**kwargs)

    monkeypatch.setattr(import_service.ledger, "adjust_points", dies_on_row_55)
    with pytest.raises(SystemExit):
        tasks.run_import(member_import.pk)
    monkeypatch.setattr(import_service.ledger, "adjust_points", real_adjust)
    member_import.refresh_from_db()
    assert member_import.processed_rows == 50  # rows 51 to 55 ran but were not saved

    tasks.run_import(member_import.pk)  # django-q2 delivers the task again

    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.DONE
    assert (member_import.created_count, member_import.skipped_count) == (60, 0)
    assert PointsEntry.objects.for_merchant(merchant_a).filter(reason="imported").count() == 60
    assert list(differences(merchant_a)) == []


def test_an_error_marks_the_import_failed(
    merchant_a, owner_a, django_capture_on_commit_callbacks, monkeypatch
):
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        start_import(member_import=member_import, actor=owner_a)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(import_service, "enrol_member", broken)
    with pytest.raises(RuntimeError):
        tasks.run_import(member_import.pk)

    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.FAILED
    assert member_import.report["error"] == "database went away"


# --- Progress page -----------------------------------------------------------------------------


def test_the_progress_polls_every_2_seconds_until_done_then_shows_the_report(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    enrol_member(merchant=merchant_a, email="carol@example.com")
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        start_import(member_import=member_import, actor=owner_a)

    page = owner_client.get(import_url(member_import)).content.decode()
    poll = owner_client.get(import_url(member_import), headers={"HX-Request": "true"})

    assert '<progress id="import-progress" max="3" value="0">' in page
    assert 'hx-trigger="every 2s"' in page and '<meta http-equiv="refresh"' in page
    partial = poll.content.decode()
    assert partial.lstrip().startswith('<div id="progress"') and "<html" not in partial
    assert 'hx-trigger="every 2s"' in partial

    tasks.run_import(member_import.pk)
    done = owner_client.get(import_url(member_import), headers={"HX-Request": "true"})

    html = done.content.decode()
    assert "hx-trigger" not in html
    assert '<progress id="import-progress" max="3" value="3">' in html
    assert "2 members created" in html and "1 row skipped" in html
    assert "carol@example.com is already a member (card " in html


def test_the_upload_page_lists_earlier_imports(owner_client, merchant_a, owner_a):
    create_import(merchant=merchant_a, actor=owner_a, filename="old.csv", data=GOOD.encode())

    html = owner_client.get(UPLOAD).content.decode()

    assert "old.csv" in html and "Previewed" in html


def _welcome_bonus(merchant, owner, points_: int = 50) -> None:
    update_program(program=get_program(merchant), actor=owner, changes={"welcome_bonus": points_})


def test_the_import_page_offers_the_welcome_bonus_unticked(owner_client, merchant_a, owner_a):
    _welcome_bonus(merchant_a, owner_a)
    upload(owner_client, GOOD)

    html = owner_client.get(import_url(last_import(merchant_a))).content.decode()

    assert "get no welcome bonus (50 points in your program) unless you tick" in html
    box = re.search(r'<input[^>]*name="pay_welcome_bonus"[^>]*>', html).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert '<label for="id_pay_welcome_bonus">Pay the welcome bonus to imported members' in html


def test_without_a_welcome_bonus_the_option_is_not_shown(owner_client, merchant_a, owner_a):
    _welcome_bonus(merchant_a, owner_a, 0)
    upload(owner_client, GOOD)

    html = owner_client.get(import_url(last_import(merchant_a))).content.decode()

    assert 'name="pay_welcome_bonus"' not in html


def _import_through_the_page(client, merchant, capture, **data) -> MemberImport:
    upload(client, GOOD)
    member_import = last_import(merchant)
    with capture(execute=True):
        client.post(import_url(member_import, "start/"), data)
    tasks.run_import(member_import.pk)
    member_import.refresh_from_db()
    return member_import


def test_imported_members_get_no_welcome_bonus_by_default(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    _welcome_bonus(merchant_a, owner_a)

    member_import = _import_through_the_page(
        owner_client, merchant_a, django_capture_on_commit_callbacks
    )

    assert member_import.created_count == 3 and not member_import.pay_welcome_bonus
    bonuses = PointsEntry.objects.for_merchant(merchant_a).filter(reference="bonus:welcome")
    assert not bonuses.exists()
    ana = Member.objects.for_merchant(merchant_a).get(email="ana@example.com")
    assert ana.points_balance == 120  # the opening balance only
    assert "no welcome bonus" in owner_client.get(import_url(member_import)).content.decode()
    assert list(differences(merchant_a)) == []


def test_the_merchant_may_choose_to_pay_the_welcome_bonus(
    owner_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    _welcome_bonus(merchant_a, owner_a)

    member_import = _import_through_the_page(
        owner_client, merchant_a, django_capture_on_commit_callbacks, pay_welcome_bonus="on"
    )

    assert member_import.pay_welcome_bonus
    ana = Member.objects.for_merchant(merchant_a).get(email="ana@example.com")
    assert ana.points_balance == 120 + 50
    started = AuditEvent.objects.for_merchant(merchant_a).get(action="members.import.started")
    assert started.data["pay_welcome_bonus"] is True
    assert list(differences(merchant_a)) == []


# --- Who may ---------------------------------------------------------------------------------


def test_cashier_gets_403_on_every_import_page(cashier_client, merchant_a, owner_a):
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="a.csv", data=GOOD.encode()
    )
    assert cashier_client.get(UPLOAD).status_code == 403
    assert upload(cashier_client, GOOD).status_code == 403
    assert cashier_client.get(import_url(member_import)).status_code == 403
    assert cashier_client.post(import_url(member_import, "start/")).status_code == 403
    assert cashier_client.post(import_url(member_import, "dry-run/")).status_code == 403


def test_outsider_gets_404_on_an_import_of_another_merchant(
    outsider_client, merchant_a, owner_a, django_capture_on_commit_callbacks
):
    member_import = create_import(
        merchant=merchant_a, actor=owner_a, filename="secret.csv", data=GOOD.encode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        for suffix in ("", "start/", "dry-run/"):
            assert outsider_client.post(import_url(member_import, suffix)).status_code == 404
    assert outsider_client.get(import_url(member_import)).status_code == 404
    assert "secret.csv" not in outsider_client.get(UPLOAD).content.decode()
    member_import.refresh_from_db()
    assert member_import.status == ImportStatus.PREVIEWED
    assert not OrmQ.objects.exists()


def test_an_empty_file_is_refused_by_the_service(merchant_a, owner_a):
    from loyalty.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refusal:
        create_import(merchant=merchant_a, actor=owner_a, filename="e.csv", data=b"")
    assert refusal.value.code == "empty_file"
