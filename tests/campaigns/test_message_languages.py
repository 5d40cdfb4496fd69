# ruff: noqa: RUF001 (the Russian messages are Cyrillic on purpose)
"""Every message reaches the member in the member's language, whatever the worker speaks: the
survey invitation by email (a real SMTP server) and by SMS, a campaign email's unsubscribe
footer, a case reply, and the sign-in codes. The jobs run through django-q2 itself
(`async_task(..., sync=True)`: its worker and its result monitor, in this process); a member
who never chose a language gets the merchant's default language."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from django_q.models import Task
from django_q.tasks import async_task

from campaigns.automations.services import VariantSpec, create_campaign, launch
from campaigns.messaging.templates import ContentInput, save_template
from campaigns.models import CampaignKind, Channel, Step
from loyalty.models import Role
from loyalty.tenancy.services import invite_staff
from members import sms
from members.services.sms_signin import request_sms_code
from tests.campaigns.sending_kit import BUCHAREST, at, offer, subscriber
from tests.factories import StaffFactory, UserFactory
from tests.feedback.surveys_kit import drain, sale, survey_fixture, words_analyser  # noqa: F401

ROMANIAN = {
    "subject": "Cum a fost vizita dvs. la Aroma Café?",
    "question": "Cât de probabil este să recomandați Aroma Café unui prieten sau coleg?",
    "footer": "Cardul și punctele dumneavoastră",
    "unsubscribe": "Dezabonare",
    "sms": "Aroma Café: cum a fost vizita? 30 de secunde:",
    "stop": "Opriți cererile de sondaj",
}
RUSSIAN = {
    "subject": "Как прошёл ваш визит в Aroma Café?",
    "question": "Насколько вероятно, что вы порекомендуете Aroma Café другу или коллеге?",
    "footer": "Ваша карта и ваши баллы",
    "unsubscribe": "Отписаться",
    "sms": "Aroma Café: как прошёл ваш визит? 30 секунд:",
    "stop": "Не присылать опросы",
}
WORDS = {"ro": ROMANIAN, "ru": RUSSIAN}


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "members.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def run_job(func: str) -> None:
    """One run of a background job through django-q2, the worker speaking English."""
    translation.activate("en")
    task_id = async_task(func, sync=True)
    task = Task.objects.get(id=task_id)
    assert task.success, task.result


def send_invitations() -> None:
    with at(2026, 3, 10, 14, 1):
        run_job("feedback.tasks.send_survey_invitations")
        run_job("campaigns.tasks.send_due_messages")


CASES = [
    # (the member's language, the merchant's default, what the member reads)
    ("ro", "en", "ro"),
    ("ru", "en", "ru"),
    ("", "ro", "ro"),
    ("", "ru", "ru"),
    ("ru-RU", "ro", "ru"),
]


@pytest.mark.parametrize(("chosen", "default", "read"), CASES)
def test_the_survey_email_speaks_the_members_language(
    smtp_server, merchant_a, shop_a, survey, chosen, default, read
):
    merchant_a.default_language = default
    merchant_a.save(update_fields=["default_language"])
    member = subscriber(merchant_a, email="reader@example.com", language=chosen)
    with at(2026, 3, 10, 11, 0):
        sale(shop_a, member, "R-1")
        drain()  # the sale's event schedules the invitation

    send_invitations()

    [mail] = smtp_server.to("reader@example.com")
    words = WORDS[read]
    # (A subject all in Cyrillic is folded onto the next line; the parser keeps that space.)
    assert mail["Subject"].strip() == words["subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for phrase in ("question", "footer", "unsubscribe"):
        assert words[phrase] in text, phrase
    assert words["question"] in html
    assert "How likely" not in text and "Unsubscribe" not in text


@pytest.mark.parametrize(("chosen", "default", "read"), CASES[:3])
def test_the_survey_sms_speaks_the_members_language(
    sms_outbox, merchant_a, shop_a, survey, chosen, default, read
):
    merchant_a.default_language = default
    merchant_a.save(update_fields=["default_language"])
    member = subscriber(
        merchant_a, email="", email_marketing=False, phone="+40722000111", language=chosen
    )
    with at(2026, 3, 10, 11, 0):
        sale(shop_a, member, "R-1")
        drain()  # the sale's event schedules the invitation

    send_invitations()

    [text] = sms_outbox
    assert text.to == "+40722000111"
    assert text.body.startswith(WORDS[read]["sms"])
    assert WORDS[read]["stop"] in text.body


def test_a_campaign_emails_unsubscribe_footer_speaks_the_merchants_language(
    smtp_server, merchant_a
):
    merchant_a.default_language = "ru"
    merchant_a.save(update_fields=["default_language"])
    member = subscriber(merchant_a, email="nolang@example.com", language="")
    with at(2026, 3, 10, 12, 0):
        message = offer(merchant_a, member)
        assert message.language == "ru"
        run_job("campaigns.tasks.send_due_messages")

    [mail] = smtp_server.to("nolang@example.com")
    assert "Отписаться: http" in mail.get_body(("plain",)).get_content()


def test_the_sms_sign_in_code_speaks_the_members_language(sms_outbox, merchant_a):
    subscriber(merchant_a, email="", phone="+40722000222", language="ru")
    subscriber(merchant_a, email="", phone="+40722000333", language="")
    merchant_a.default_language = "ro"

    with translation.override("en"):
        request_sms_code(merchant=merchant_a, phone="+40722000222", ip="127.0.0.1")
    with translation.override("ro"):  # never chose: the page the code was asked from
        request_sms_code(merchant=merchant_a, phone="+40722000333", ip="127.0.0.1")

    russian, romanian = sms_outbox
    assert "ваш код для входа в Aroma Café. Действует 10 минут." in russian.body
    assert "este codul dumneavoastră de conectare Aroma Café. Expiră în 10 minute." in (
        romanian.body
    )


@pytest.mark.parametrize("language", ["ro", "ru"])
def test_the_member_sign_in_mail_speaks_the_members_language(smtp_server, merchant_a, language):
    subscriber(merchant_a, email="signin@example.com", language=language)
    expected = {
        "ro": "Conectarea dumneavoastră la Aroma Café",
        "ru": "Ваш вход в Aroma Café",
    }[language]

    # An English browser: the mail follows the member's own choice.
    answer = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/m/aroma/login", {"email": "signin@example.com"}
    )

    assert answer.status_code == 302
    [mail] = smtp_server.to("signin@example.com")
    assert mail["Subject"].strip() == expected


# --- Staff mail: each person in their own language, else the merchant's ------------------------


def test_the_recap_goes_to_each_owner_in_their_own_language(smtp_server, merchant_a, owner_a):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])
    owner_a.language = "ru"
    owner_a.save(update_fields=["language"])
    partner = UserFactory(email="partner@example.com")  # never chose: the business's language
    StaffFactory(merchant=merchant_a, user=partner, role=Role.OWNER)

    with time_machine.travel(datetime(2026, 4, 1, 7, 0, tzinfo=BUCHAREST), tick=False):
        run_job("campaigns.tasks.send_monthly_recaps")

    [russian] = smtp_server.to(owner_a.email)
    [romanian] = smtp_server.to("partner@example.com")
    assert russian["Subject"].strip() == "Aroma Café: ваша программа лояльности — Март 2026 г."
    assert romanian["Subject"].strip() == "Aroma Café: programul dvs. de fidelitate în Martie 2026"


@pytest.mark.parametrize(
    ("known", "subject"),
    [
        (None, "Вас приглашают в Aroma Café на Fidela"),  # a stranger: the business's language
        ("ro", "Sunteți invitat să vă alăturați echipei Aroma Café în Fidela"),  # their own
    ],
)
def test_a_staff_invitation_speaks_the_invitees_language_else_the_merchants(
    smtp_server, merchant_a, owner_a, django_capture_on_commit_callbacks, known, subject
):
    merchant_a.default_language = "ru"
    merchant_a.save(update_fields=["default_language"])
    if known:
        UserFactory(email="new@example.com", language=known)

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        invite_staff(merchant=merchant_a, actor=owner_a, email="new@example.com", role=Role.CASHIER)

    [mail] = smtp_server.to("new@example.com")
    assert mail["Subject"].strip() == subject


# --- A campaign: the member's words of the template, in the layout of that language -----------


def test_a_broadcast_reaches_each_member_in_their_language_else_the_templates(
    smtp_server, merchant_a
):
    readers = {
        language or "none": subscriber(
            merchant_a, email=f"{language or 'none'}@example.com", language=language
        )
        for language in ("ro", "ru", "")
    }
    with at(2026, 3, 2, 10, 0):
        campaign = create_campaign(
            merchant=merchant_a,
            actor=None,
            name="Tasting",
            kind=CampaignKind.BROADCAST,
            variants=[VariantSpec("A", Channel.EMAIL, "Tasting night", "Come taste the beans.")],
            holdout_percent=0,
        )
        step = Step.objects.get(variant__campaign=campaign)
        save_template(
            template=step.template,
            contents=[
                ContentInput("en", "Tasting night", "Come taste the beans."),
                ContentInput("ro", "Seară de degustare", "Veniți să gustați boabele."),
                ContentInput("ru", "Вечер дегустации", "Приходите попробовать зёрна."),
            ],
            actor=None,
        )
        launch(campaign=campaign, actor=None)
    with at(2026, 3, 2, 10, 1):
        run_job("campaigns.tasks.run_campaign_steps")
        run_job("campaigns.tasks.send_due_messages")

    expected = {
        "ro": ("Seară de degustare", "Veniți să gustați boabele.", ROMANIAN),
        "ru": ("Вечер дегустации", "Приходите попробовать зёрна.", RUSSIAN),
        "none": ("Tasting night", "Come taste the beans.", None),  # the merchant's: English
    }
    for key, (subject, body, words) in expected.items():
        [mail] = smtp_server.to(readers[key].email)
        text = mail.get_body(("plain",)).get_content()
        assert mail["Subject"].strip() == subject
        assert body in text
        if words:
            assert words["footer"] in text and f"{words['unsubscribe']}: http" in text
        else:
            assert "Your card and your points" in text and "Unsubscribe: http" in text
