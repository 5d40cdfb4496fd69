"""The mail that a webhook was switched off goes to each owner in their own language, else the
business's: it is written by the delivery job, which has no request to take a language from."""

from django.core import mail
from django.utils import timezone, translation

from loyalty.models import Role, WebhookDelivery
from loyalty.tasks import drain_outbox
from loyalty.webhooks.delivery import send_due_deliveries
from members.services.enrolment import enrol_member
from tests.factories import StaffFactory, UserFactory


def test_each_owner_reads_the_switched_off_mail_in_their_language(
    clock, merchant_a, shop_a, endpoint_a, receiver, owner_a, django_capture_on_commit_callbacks
):
    merchant_a.default_language = "ro"
    merchant_a.save(update_fields=["default_language"])
    owner_a.language = "ru"
    owner_a.save(update_fields=["language"])
    partner = UserFactory(email="partner@example.com")  # never chose a language
    StaffFactory(merchant=merchant_a, user=partner, role=Role.OWNER)
    receiver.statuses = [500]
    enrol_member(merchant=merchant_a, email="ana@example.com")
    drain_outbox()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint_a)

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        while True:
            send_due_deliveries()
            endpoint_a.refresh_from_db()
            delivery.refresh_from_db()
            if not endpoint_a.is_active or delivery.next_attempt_at is None:
                break
            clock.move_to(delivery.next_attempt_at)

    assert endpoint_a.is_active is False and endpoint_a.disabled_at <= timezone.now()
    subjects = {tuple(message.to): message.subject for message in mail.outbox}
    assert subjects == {
        ("owner.a@example.com",): "Вебхук Aroma Café отключён",
        ("partner@example.com",): "Aroma Café: un webhook a fost oprit",
    }
