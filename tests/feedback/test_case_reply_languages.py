# ruff: noqa: RUF001 (the Russian messages are Cyrillic on purpose)
"""A reply to a customer's feedback reaches them in their language, whatever the manager's portal
speaks: the subject and the recovery's words (the voucher's date in that language's format),
sent by the django-q2 job through a real SMTP server."""

import pytest
from django.utils import formats, timezone, translation
from django_q.models import Task
from django_q.tasks import async_task

from feedback.cases import services
from rewards.models import RewardKind
from tests.campaigns import sending_kit
from tests.feedback import cases_kit

customer = cases_kit.customer  # fixtures
smtp_server = sending_kit.smtp_server  # the real SMTP server
case = cases_kit.case

pytestmark = pytest.mark.django_db

WORDS = {
    "ro": (
        "Despre vizita dvs. la Aroma Café",
        "Voucherul dvs.: {code} ({reward}), valabil până la",
    ),
    "ru": ("О вашем визите в Aroma Café", "Ваш ваучер: {code} ({reward}), действует до"),
}


@pytest.mark.parametrize(("chosen", "default", "read"), [("ru", "en", "ru"), ("", "ro", "ro")])
def test_a_reply_with_its_recovery_speaks_the_customers_language(
    case, manager_a, merchant_a, smtp_server, chosen, default, read
):
    merchant_a.default_language = default
    merchant_a.save(update_fields=["default_language"])
    case.member.language = chosen
    case.member.save(update_fields=["language"])
    reward = merchant_a.rewards.filter(kind=RewardKind.FREE_ITEM).first()

    with translation.override("en"):  # the manager's portal
        services.give_recovery(case=case, reward=reward, actor=manager_a)
        case.refresh_from_db()
        services.reply(case=case, text="Ne pare rău. / Простите.", actor=manager_a)
    task = Task.objects.get(id=async_task("campaigns.tasks.send_due_messages", sync=True))
    assert task.success, task.result

    [mail] = smtp_server.to("ana.pop@example.com")
    subject, recovery = WORDS[read]
    voucher = case.recovery_voucher
    assert mail["Subject"].strip() == subject
    text = mail.get_body(("plain",)).get_content()
    assert recovery.format(code=voucher.code, reward=voucher.title) in text
    with translation.override(read):
        expires = formats.date_format(timezone.localtime(voucher.expires_at, merchant_a.tzinfo))
    assert expires in text and "valid until" not in text
