"""Following a case up: replying through the customer's channel (a real SMTP server, the SMS
backends), one recovery with its cost, resolving only once told, and the nightly won-back."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from django.utils.module_loading import import_string

from campaigns.messaging.send import send_due_messages
from campaigns.models import Channel, Message, MessageStatus, Purpose
from feedback.cases import queries, services
from feedback.models import Case, CaseNoteKind, CaseStatus, Invitation
from feedback.tasks import check_won_back_cases
from loyalty.models import AuditEvent
from loyalty.models.points import PointsEntry
from loyalty.points.ledger import get_program
from loyalty.schedules import DAILY, SCHEDULES
from members import sms
from rewards.models import RewardKind, Voucher, VoucherSource
from tests.campaigns import sending_kit
from tests.feedback import cases_kit
from tests.feedback.cases_kit import a_sale

customer = cases_kit.customer  # fixtures
smtp_server = sending_kit.smtp_server  # the real SMTP server
case = cases_kit.case

pytestmark = pytest.mark.django_db


def _came_by(case: Case, channel: str) -> None:
    """The answer came from an invitation sent on `channel`."""
    sale = a_sale(case.shop, case.member, f"INV-{channel}")
    invitation = Invitation.objects.create(
        merchant=case.merchant,
        survey=case.answer.survey,
        member=case.member,
        purchase=sale,
        shop=case.shop,
        channel=channel,
        status="answered",
        send_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    case.answer.invitation = invitation
    case.answer.save(update_fields=["invitation"])


# --- Replying ------------------------------------------------------------------------------------


def test_a_reply_goes_by_email_to_the_customer(case, manager_a, smtp_server):
    _came_by(case, Channel.EMAIL)

    services.reply(case=case, text="We are sorry, Ana. Next coffee is on us.", actor=manager_a)
    assert send_due_messages() == 1

    [mail] = smtp_server.to("ana.pop@example.com")
    assert "Next coffee is on us" in mail.get_body(("plain",)).get_content()
    assert "Aroma Café" in mail["Subject"]
    assert mail["List-Unsubscribe"] is None  # transactional: no consent needed, no unsubscribe
    case.refresh_from_db()
    assert case.told_at is not None
    assert case.status == CaseStatus.IN_PROGRESS
    note = case.notes.get(kind=CaseNoteKind.REPLY)
    assert (note.channel, note.author) == (Channel.EMAIL, manager_a)
    assert AuditEvent.objects.filter(action="feedback.case.replied").count() == 1


def test_a_reply_needs_no_marketing_consent(case, manager_a, smtp_server):
    assert not case.member.email_marketing
    services.reply(case=case, text="Sorry about the wait.", actor=manager_a)
    send_due_messages()

    message = Message.objects.get(source_type="feedback_case", source_id=case.pk)
    assert message.purpose == Purpose.TRANSACTIONAL
    assert message.status == MessageStatus.SENT
    assert len(smtp_server.received) == 1


def test_a_reply_goes_by_sms_when_the_invitation_did(case, manager_a, settings):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    _came_by(case, Channel.SMS)

    services.reply(case=case, text="Sorry about the wait, Ana.", actor=manager_a)
    send_due_messages()

    assert [(m.to, m.body) for m in sms.outbox] == [("+40721234567", "Sorry about the wait, Ana.")]
    assert case.notes.get(kind=CaseNoteKind.REPLY).channel == Channel.SMS


def test_a_reply_by_sms_to_the_file_backend(case, manager_a, settings, tmp_path):
    settings.SMS_BACKEND = "members.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    _came_by(case, Channel.SMS)

    services.reply(case=case, text="We fixed the coffee machine.", actor=manager_a)
    send_due_messages()

    [written] = list(tmp_path.iterdir())
    assert "We fixed the coffee machine." in written.read_text()


def test_a_reply_in_app_is_shown_on_the_member_page(case, manager_a):
    _came_by(case, Channel.IN_APP)

    services.reply(case=case, text="Thank you for telling us.", actor=manager_a)
    send_due_messages()

    message = Message.objects.get(source_type="feedback_case")
    assert (message.channel, message.status) == (Channel.IN_APP, MessageStatus.SENT)


def test_two_replies_are_two_messages(case, manager_a):
    services.reply(case=case, text="First.", actor=manager_a)
    services.reply(case=case, text="Second.", actor=manager_a)

    assert Message.objects.filter(source_type="feedback_case").count() == 2
    assert case.notes.filter(kind=CaseNoteKind.REPLY).count() == 2


def test_an_empty_reply_is_refused(case, manager_a):
    with pytest.raises(services.CaseError):
        services.reply(case=case, text="   ", actor=manager_a)
    assert not Message.objects.exists()


def test_a_reply_by_sms_without_a_phone_is_refused(case, manager_a):
    _came_by(case, Channel.SMS)
    case.member.phone = ""
    case.member.save(update_fields=["phone"])

    with pytest.raises(services.CannotReach):
        services.reply(case=case, text="Hello", actor=manager_a)
    case.refresh_from_db()
    assert case.told_at is None


# --- Resolving -----------------------------------------------------------------------------------


def test_resolving_is_refused_until_the_customer_is_told(case, manager_a):
    with pytest.raises(services.NotToldYet) as refused:
        services.resolve(case=case, actor=manager_a)
    assert "Reply to the customer" in str(refused.value)
    with pytest.raises(services.NotToldYet):
        services.set_status(case=case, status=CaseStatus.RESOLVED, actor=manager_a)

    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    services.reply(case=case, text="Sorry.", actor=manager_a)
    services.resolve(case=case, actor=manager_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.resolved_at is not None
    assert not case.is_overdue(case.due_at + timedelta(days=1))


def test_reopening_forgets_the_resolution(case, manager_a):
    services.reply(case=case, text="Sorry.", actor=manager_a)
    services.resolve(case=case, actor=manager_a)

    services.set_status(case=case, status=CaseStatus.IN_PROGRESS, actor=manager_a)
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (CaseStatus.IN_PROGRESS, None)
    assert list(case.notes.values_list("kind", flat=True)) == ["reply", "status", "status"]


def test_assigning_to_a_cashier_is_refused(case, manager_a, cashier_a, owner_a):
    with pytest.raises(services.CaseError):
        services.assign(case=case, owner=cashier_a, actor=manager_a)
    services.assign(case=case, owner=owner_a, actor=manager_a)
    case.refresh_from_db()
    assert case.owner == owner_a


def test_a_note_is_kept(case, manager_a):
    services.add_note(case=case, text="Called the shop: the machine broke.", actor=manager_a)

    assert case.notes.get(kind=CaseNoteKind.NOTE).text == "Called the shop: the machine broke."


# --- Recovery ------------------------------------------------------------------------------------


def test_a_recovery_voucher_records_its_cost(case, manager_a, merchant_a, smtp_server):
    reward = merchant_a.rewards.get(kind=RewardKind.FREE_ITEM)
    reward.value = Decimal("3.50")
    reward.save(update_fields=["value"])

    services.give_recovery(case=case, reward=reward, actor=manager_a)
    case.refresh_from_db()

    voucher = Voucher.objects.get(member=case.member)
    assert voucher.source == VoucherSource.SERVICE_RECOVERY
    assert voucher.points_cost == 0
    assert case.recovery_voucher == voucher
    assert case.recovery_cost == Decimal("3.50")
    assert case.notes.get(kind=CaseNoteKind.RECOVERY).author == manager_a

    # The next reply tells the customer the code; the one after does not repeat it.
    services.reply(case=case, text="Sorry about the wait.", actor=manager_a)
    services.reply(case=case, text="See you soon.", actor=manager_a)
    send_due_messages()
    first, second = smtp_server.to("ana.pop@example.com")
    assert voucher.code in first.get_body(("plain",)).get_content()
    assert voucher.code not in second.get_body(("plain",)).get_content()


def test_recovery_points_are_credited_with_their_cost(case, manager_a, merchant_a):
    balance = case.member.points_balance
    program = get_program(merchant_a)
    program.point_value = Decimal("0.02")
    program.save(update_fields=["point_value"])

    services.give_recovery(case=case, points=150, actor=manager_a)
    case.refresh_from_db()
    case.member.refresh_from_db()

    assert case.member.points_balance == balance + 150
    entry = PointsEntry.objects.get(reference=f"case:{case.pk}")
    assert (entry.kind, entry.points, entry.actor) == ("bonus", 150, manager_a)
    assert (case.recovery_points, case.recovery_cost) == (150, Decimal("3.00"))


def test_one_recovery_per_case(case, manager_a, merchant_a):
    services.give_recovery(case=case, points=50, actor=manager_a)

    with pytest.raises(services.RecoveryGiven):
        services.give_recovery(case=case, points=50, actor=manager_a)
    reward = merchant_a.rewards.first()
    with pytest.raises(services.RecoveryGiven):
        services.give_recovery(case=case, reward=reward, actor=manager_a)
    assert PointsEntry.objects.filter(reference=f"case:{case.pk}").count() == 1
    assert not Voucher.objects.filter(member=case.member).exists()


def test_a_recovery_is_a_reward_or_points_not_both(case, manager_a, merchant_a):
    with pytest.raises(services.CaseError):
        services.give_recovery(case=case, actor=manager_a)
    with pytest.raises(services.CaseError):
        services.give_recovery(
            case=case, reward=merchant_a.rewards.first(), points=10, actor=manager_a
        )


# --- Won back ------------------------------------------------------------------------------------


def _resolved(case, manager_a) -> Case:
    services.reply(case=case, text="Sorry.", actor=manager_a)
    services.resolve(case=case, actor=manager_a)
    case.refresh_from_db()
    return case


def test_a_customer_who_bought_again_is_won_back(case, manager_a, shop_a):
    case = _resolved(case, manager_a)
    with time_machine.travel(timezone.now() + timedelta(days=10), tick=False):
        a_sale(shop_a, case.member, "AGAIN-1")

    with time_machine.travel(timezone.now() + timedelta(days=29), tick=False):
        assert check_won_back_cases() == 0  # not thirty days yet
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        assert check_won_back_cases() == 1
        assert check_won_back_cases() == 0  # safe to run twice
    case.refresh_from_db()
    assert case.won_back is True
    assert case.won_back_checked_at is not None


def test_a_customer_who_did_not_come_back_is_not_won_back(case, manager_a, shop_a):
    case = _resolved(case, manager_a)
    # Before the case was opened, and after the thirty days: neither counts.
    a_sale(shop_a, case.member, "BEFORE", occurred_at=case.opened_at - timedelta(hours=1))
    with time_machine.travel(case.resolved_at + timedelta(days=31), tick=False):
        a_sale(shop_a, case.member, "LATE")

    with time_machine.travel(timezone.now() + timedelta(days=32), tick=False):
        assert check_won_back_cases() == 1
    case.refresh_from_db()
    assert case.won_back is False


def test_open_cases_are_never_judged(case):
    with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
        assert check_won_back_cases() == 0
    case.refresh_from_db()
    assert case.won_back is None


def test_the_won_back_check_runs_nightly():
    [job] = [job for job in SCHEDULES if job.func == "feedback.tasks.check_won_back_cases"]
    assert job.kind == DAILY
    assert import_string(job.func) is check_won_back_cases


def test_the_figures_of_the_loop(case, manager_a, merchant_a, shop_a, customer):
    late = cases_kit.answered(merchant_a, member=customer, shop=shop_a, score=0)
    Case.objects.filter(answer=late).update(due_at=timezone.now() - timedelta(hours=1))
    resolved = _resolved(case, manager_a)
    Case.objects.filter(pk=resolved.pk).update(
        resolved_at=resolved.opened_at + timedelta(hours=6), won_back=True
    )

    figures = queries.case_figures(merchant_a)

    assert (figures.open, figures.overdue) == (1, 1)
    assert figures.median_hours_to_close == pytest.approx(6)
    assert (figures.judged, figures.won_back, figures.won_back_share) == (1, 1, 1.0)
