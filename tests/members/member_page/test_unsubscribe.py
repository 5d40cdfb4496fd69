"""The signed one-click unsubscribe link: GET asks, POST turns off (also from a mail client
with no session and no CSRF token); a forged link does nothing."""

from django.test import Client

from members.models import Consent
from members.services.consents import unsubscribe_token


def test_get_asks_and_changes_nothing(client, ana):
    token = unsubscribe_token(ana, "email")

    page = client.get(f"/m/aroma/unsubscribe/{token}")

    ana.refresh_from_db()
    assert page.status_code == 200
    assert "Stop Email offers from Aroma Café?" in page.content.decode()
    assert ana.email_marketing


def test_the_link_works_once_without_a_session(ana):
    token = unsubscribe_token(ana, "email")
    mail_client = Client(enforce_csrf_checks=True)

    first = mail_client.post(f"/m/aroma/unsubscribe/{token}", {"List-Unsubscribe": "One-Click"})
    second = mail_client.post(f"/m/aroma/unsubscribe/{token}")

    ana.refresh_from_db()
    assert first.status_code == second.status_code == 200
    assert "You are unsubscribed" in first.content.decode()
    assert not ana.email_marketing
    rows = Consent.objects.filter(member=ana, source="unsubscribe")
    assert rows.count() == 1
    assert rows.get().granted is False
    assert "off already" in mail_client.get(f"/m/aroma/unsubscribe/{token}").content.decode()


def test_a_forged_token_does_nothing(client, ana):
    token = unsubscribe_token(ana, "email")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for answer in (
        client.get(f"/m/aroma/unsubscribe/{forged}"),
        client.post(f"/m/aroma/unsubscribe/{forged}"),
        client.post("/m/aroma/unsubscribe/garbage"),
    ):
        assert answer.status_code == 404
    ana.refresh_from_db()
    assert ana.email_marketing
    assert not Consent.objects.filter(member=ana, source="unsubscribe").exists()
