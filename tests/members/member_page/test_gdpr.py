"""Download my data, then delete my account: the export holds everything; afterwards no
personal field remains, the ledger reconciles and the merchant's figures are unchanged."""

import json

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client

from loyalty.analytics.rollups import rebuild
from loyalty.models import AuditEvent, User
from loyalty.models.points import PointsEntry, Purchase
from loyalty.points.refunds import refund_purchase
from loyalty.queries import dashboard_figures
from members.models import Consent, Member, MemberStatus
from members.services.enrolment import enrol_member
from members.services.gdpr import anonymize_member, export_member_data
from members.services.profile import update_profile
from tests.loyalty.points.helpers import assert_reconciled, configure, ring

PERSONAL_FIELDS = (
    "email",
    "phone",
    "device_hash",
    "first_name",
    "last_name",
    "birth_day",
    "birth_month",
    "birth_year",
    "pending_birth_day",
    "pending_birth_month",
    "pending_birth_year",
    "pending_birthday_from",
    "language",
    "referral_code",
    "user",
)


def _some_history(merchant, shop, member):
    configure(merchant, pending_days=7, welcome_bonus=50)
    ring(shop, member, "80.00", external_id="R-1")
    sale = ring(shop, member, "40.00", external_id="R-2").purchase
    refund_purchase(purchase=sale, amount=sale.amount / 2, external_id="RF-1")


def test_the_export_is_a_json_attachment_with_all_the_data(ana_client, ana, merchant_a, shop_a):
    _some_history(merchant_a, shop_a, ana)
    ana_client.post("/m/aroma/consent", {"channel": "sms", "granted": "on"})

    answer = ana_client.get("/m/aroma/data.json")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer["Content-Disposition"] == 'attachment; filename="aroma-my-data.json"'
    data = json.loads(answer.content)
    assert data["profile"]["email"] == "ana@example.com"
    assert data["profile"]["phone"] == "+40722123456"
    assert data["profile"]["card_number"] == ana.card_number
    assert data["profile"]["birthday"] == "1990-05-17"
    assert data["profile"]["referral_code"] == ana.referral_code
    assert data["consents"]["sms_marketing"] is True
    assert [(c["channel"], c["granted"]) for c in data["consents"]["history"]] == [
        ("email", True),
        ("sms", True),
    ]
    assert [p["receipt"] for p in data["purchases"]] == ["R-1", "R-2"]
    assert data["purchases"][1]["refunded_amount"] == "20.00"
    assert len(data["ledger"]) == PointsEntry.objects.filter(member=ana).count()
    assert {e["kind"] for e in data["ledger"]} >= {"earn", "clawback"}
    assert len(data["lots"]) == 2
    assert data["points"]["balance"] == ana.__class__.objects.get(pk=ana.pk).points_balance
    assert data["vouchers"] == []  # none redeemed (tests/rewards/test_member_data.py has some)
    for part in ("messages", "feedback"):
        assert data[part] == []
        assert data["notes"][part] == "not used yet"


def test_delete_asks_first(ana_client, ana):
    page = ana_client.get("/m/aroma/delete")

    ana.refresh_from_db()
    assert page.status_code == 200
    assert "cannot be undone" in page.content.decode()
    assert ana.status == MemberStatus.ACTIVE


def test_delete_leaves_no_personal_field_and_the_figures_unchanged(
    ana_client, ana, merchant_a, shop_a
):
    _some_history(merchant_a, shop_a, ana)
    update_profile(member=Member.objects.get(pk=ana.pk), birthday="1990-06-01")  # pending
    exported = export_member_data(Member.objects.get(pk=ana.pk))
    rebuild(merchant_a)
    figures = dashboard_figures(merchant_a)
    ledger = list(PointsEntry.objects.filter(member=ana).values())
    purchases = list(Purchase.objects.filter(member=ana).values())
    user_id = ana.user_id
    old_card = ana.card_number

    answer = ana_client.post("/m/aroma/delete")

    assert answer.status_code == 200
    assert "Your account is deleted" in answer.content.decode()
    member = Member.objects.get(pk=ana.pk)
    assert member.status == MemberStatus.ANONYMIZED
    for field in PERSONAL_FIELDS:
        assert getattr(member, field) in ("", None), field
    assert member.card_number != old_card
    assert not member.email_marketing and not member.sms_marketing
    # Consents were turned off with a history row each; the history stays.
    last_email = Consent.objects.filter(member=member, channel="email").first()
    assert (last_email.granted, last_email.source) == (False, "anonymized")
    assert Consent.objects.filter(member=member).count() == len(exported["consents"]["history"]) + 1
    # No personal data left elsewhere either: the account had no other use and is gone.
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(email="ana@example.com").exists()
    assert not Member.objects.filter(email="ana@example.com").exists()
    audit = AuditEvent.objects.for_merchant(merchant_a).get(action="members.member.anonymized")
    assert audit.actor is None and "Ana" not in audit.target_repr
    assert not AuditEvent.objects.filter(target_repr__icontains="ana").exists()
    # The ledger and sales are untouched, and everything still adds up.
    assert list(PointsEntry.objects.filter(member=member).values()) == ledger
    assert list(Purchase.objects.filter(member=member).values()) == purchases
    call_command("reconcile_points")
    assert_reconciled(merchant_a)
    rebuild(merchant_a)  # recomputed from the raw rows: anonymizing changed none of them
    assert dashboard_figures(merchant_a) == figures
    # Signed out: the card is gone.
    assert ana_client.get("/m/aroma/")["Location"].startswith("/m/aroma/login")


def test_delete_at_one_merchant_keeps_the_card_at_another(merchant_a, merchant_b):
    at_a = enrol_member(merchant=merchant_a, email="eve@example.com")
    at_b = enrol_member(merchant=merchant_b, email="eve@example.com")
    client = Client()
    client.force_login(at_a.user)

    client.post("/m/aroma/delete")

    at_b.refresh_from_db()
    assert at_b.user is not None and at_b.email == "eve@example.com"
    assert client.get("/m/bee/").status_code == 200
    assert client.get("/m/aroma/")["Location"].startswith("/m/aroma/login")


def test_anonymizing_a_staff_persons_card_keeps_their_staff_account(merchant_a, owner_a):
    card = enrol_member(merchant=merchant_a, email=owner_a.email)

    anonymize_member(member=card, actor=owner_a, reason="asked at the till")

    assert User.objects.filter(pk=owner_a.pk).exists()
    audit = AuditEvent.objects.for_merchant(merchant_a).get(action="members.member.anonymized")
    assert audit.actor == owner_a
    assert audit.data["reason"] == "asked at the till"


def test_anonymizing_twice_changes_nothing(ana, merchant_a):
    anonymize_member(member=ana, reason="first")
    anonymize_member(member=ana, reason="second")

    assert AuditEvent.objects.filter(action="members.member.anonymized").count() == 1


def test_the_person_can_join_again_afterwards(client, ana, merchant_a):
    anonymize_member(member=ana, reason="gone")

    answer = client.post("/m/aroma/join", {"email": "ana@example.com", "first_name": "Ana"})

    assert answer["Location"] == "/accounts/login/code/confirm/?next=%2Fm%2Faroma%2F"
    assert Member.objects.for_merchant(merchant_a).filter(email="ana@example.com").count() == 1
