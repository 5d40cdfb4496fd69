"""The owner's settings pages: profile, shops, staff, API keys and the audit log."""

import html
import re

import pytest
from django.core import mail

from loyalty.audit import log_action
from loyalty.models import ApiKey, AuditEvent, Invitation, Role, Shop, StaffMember, hash_token
from loyalty.tenancy.services import (
    archive_shop,
    authenticate_api_key,
    create_api_key,
    create_shop,
    find_invitation,
    invite_staff,
)

# --- Profile ---------------------------------------------------------------------------------


def profile_data(merchant, **changes):
    data = {
        "name": merchant.name,
        "currency": merchant.currency,
        "timezone": merchant.timezone,
        "default_language": merchant.default_language,
        "brand_color": merchant.brand_color,
    }
    return data | changes


def test_owner_saves_the_business_profile(owner_client, merchant_a, owner_a):
    answer = owner_client.post(
        "/portal/settings/profile/",
        profile_data(merchant_a, name="Aroma Coffee", currency="RON", require_mfa="on"),
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/portal/settings/profile/"
    merchant_a.refresh_from_db()
    assert (merchant_a.name, merchant_a.currency, merchant_a.require_mfa) == (
        "Aroma Coffee",
        "RON",
        True,
    )
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.merchant.updated")
    assert event.actor == owner_a
    assert event.data == {"changed": ["currency", "name", "require_mfa"]}


def test_owner_sets_the_api_rate_per_key(owner_client, merchant_a):
    answer = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, api_requests_per_second="50")
    )
    assert answer.status_code == 302
    merchant_a.refresh_from_db()
    assert merchant_a.api_requests_per_second == 50

    refused = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, api_requests_per_second="0")
    )
    assert "greater than or equal to 1" in refused.content.decode()
    merchant_a.refresh_from_db()
    assert merchant_a.api_requests_per_second == 50


def test_profile_shows_the_saved_message(owner_client, merchant_a):
    answer = owner_client.post(
        "/portal/settings/profile/", profile_data(merchant_a, name="Aroma 2"), follow=True
    )
    assert "Profile saved." in answer.content.decode()


def test_profile_rejects_a_bad_colour_and_keeps_the_saved_name_around_the_form(
    owner_client, merchant_a
):
    answer = owner_client.post(
        "/portal/settings/profile/",
        profile_data(merchant_a, name="Not Saved", brand_color="red"),
    )

    assert answer.status_code == 200
    assert "Use a colour like #0f766e." in answer.content.decode()
    merchant_a.refresh_from_db()
    assert merchant_a.name == "Aroma Café"
    assert not AuditEvent.objects.filter(action="loyalty.merchant.updated").exists()
    # The brand in the top bar still shows the saved name, not the rejected one.
    assert "<span>Aroma Café</span>" in answer.content.decode()


# --- Shops -----------------------------------------------------------------------------------


def test_owner_creates_a_shop(owner_client, merchant_a):
    answer = owner_client.post(
        "/portal/settings/shops/new/", {"name": "Harbour", "address": "Quay 1"}
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/portal/settings/shops/"
    shop = Shop.objects.for_merchant(merchant_a).get(name="Harbour")
    assert shop.address == "Quay 1"
    assert "Harbour" in owner_client.get("/portal/settings/shops/").content.decode()


def test_a_shop_name_used_twice_is_a_form_error(owner_client, merchant_a):
    answer = owner_client.post("/portal/settings/shops/new/", {"name": "old town"})

    assert answer.status_code == 200
    assert "exists already" in answer.content.decode()
    assert Shop.objects.for_merchant(merchant_a).count() == 1


def test_owner_edits_a_shop(owner_client, shop_a2):
    url = f"/portal/settings/shops/{shop_a2.pk}/"
    assert 'value="Station"' in owner_client.get(url).content.decode()

    answer = owner_client.post(url, {"name": "Gara de Nord", "address": "Piața 1"})

    assert answer.status_code == 302
    shop_a2.refresh_from_db()
    assert (shop_a2.name, shop_a2.address) == ("Gara de Nord", "Piața 1")


def test_archiving_a_shop_asks_first_then_archives_on_post(owner_client, shop_a2):
    url = f"/portal/settings/shops/{shop_a2.pk}/archive/"

    confirm = owner_client.get(url)
    assert confirm.status_code == 200
    assert "Archive Station?" in confirm.content.decode()
    shop_a2.refresh_from_db()
    assert shop_a2.archived_at is None

    answer = owner_client.post(url, follow=True)

    shop_a2.refresh_from_db()
    assert shop_a2.archived_at is not None
    assert "Shop “Station” archived." in answer.content.decode()


def test_owner_reopens_an_archived_shop(owner_client, shop_a2, owner_a):
    archive_shop(shop=shop_a2, actor=owner_a)
    url = f"/portal/settings/shops/{shop_a2.pk}/archive/"
    assert "Reopen Station?" in owner_client.get(url).content.decode()

    owner_client.post(url)

    shop_a2.refresh_from_db()
    assert shop_a2.archived_at is None


def test_archiving_the_last_open_shop_shows_why_it_cannot(owner_client, shop_a):
    answer = owner_client.post(f"/portal/settings/shops/{shop_a.pk}/archive/", follow=True)

    assert "A merchant needs at least one open shop." in answer.content.decode()
    shop_a.refresh_from_db()
    assert shop_a.archived_at is None


# --- Staff -----------------------------------------------------------------------------------


def test_owner_invites_a_cashier_through_the_form(
    owner_client, merchant_a, shop_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = owner_client.post(
            "/portal/settings/staff/",
            {"email": "new.cashier@example.com", "role": "cashier", "shop": shop_a.pk},
        )

    assert answer.status_code == 302
    invitation = Invitation.objects.for_merchant(merchant_a).get()
    assert (invitation.email, invitation.role, invitation.shop) == (
        "new.cashier@example.com",
        Role.CASHIER,
        shop_a,
    )
    assert [message.to for message in mail.outbox] == [["new.cashier@example.com"]]
    page = owner_client.get("/portal/settings/staff/").content.decode()
    assert "Invitations waiting for an answer" in page
    assert "new.cashier@example.com" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "not-an-email", "role": "manager"}, "Enter a valid email address."),
        ({"email": "c@example.com", "role": "cashier"}, "Choose the shop where this cashier"),
        ({"email": "c@example.com", "role": "boss"}, "Select a valid choice."),
        ({"email": "manager.a@example.com", "role": "manager"}, "already on your staff"),
    ],
)
def test_a_bad_invitation_is_a_form_error_and_creates_nothing(
    owner_client, manager_a, data, error, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = owner_client.post("/portal/settings/staff/", data)

    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_shop_of_another_merchant_cannot_be_chosen(owner_client, merchant_b):
    answer = owner_client.post(
        "/portal/settings/staff/",
        {"email": "c@example.com", "role": "cashier", "shop": merchant_b.shops.get().pk},
    )

    assert "Select a valid choice." in answer.content.decode()
    assert not Invitation.objects.exists()


def test_owner_withdraws_an_invitation(owner_client, merchant_a, owner_a):
    invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="x@example.com", role=Role.MANAGER
    )

    answer = owner_client.post(f"/portal/settings/invitations/{invitation.pk}/revoke/")

    assert answer.status_code == 302
    assert not find_invitation(token).is_open


def test_owner_changes_a_role(owner_client, manager_staff_a, shop_a):
    url = f"/portal/settings/staff/{manager_staff_a.pk}/"
    assert "Role of manager.a@example.com" in owner_client.get(url).content.decode()

    answer = owner_client.post(url, {"role": "cashier", "shop": shop_a.pk})

    assert answer.status_code == 302
    manager_staff_a.refresh_from_db()
    assert (manager_staff_a.role, manager_staff_a.shop) == (Role.CASHIER, shop_a)


def test_the_last_owner_cannot_step_down(owner_client, merchant_a, owner_a):
    owner_staff = merchant_a.staff.get(user=owner_a)

    answer = owner_client.post(f"/portal/settings/staff/{owner_staff.pk}/", {"role": "manager"})

    assert answer.status_code == 200
    assert "A merchant needs at least one owner." in answer.content.decode()
    owner_staff.refresh_from_db()
    assert owner_staff.role == Role.OWNER


def test_removing_staff_asks_first_then_removes_on_post(owner_client, manager_staff_a):
    url = f"/portal/settings/staff/{manager_staff_a.pk}/remove/"

    confirm = owner_client.get(url)
    assert "Remove manager.a@example.com?" in confirm.content.decode()
    assert StaffMember.objects.filter(pk=manager_staff_a.pk).exists()

    answer = owner_client.post(url)

    assert answer.status_code == 302
    assert answer["Location"] == "/portal/settings/staff/"
    assert not StaffMember.objects.filter(pk=manager_staff_a.pk).exists()


def test_removed_manager_loses_access_at_once(owner_client, manager_client, manager_staff_a):
    assert manager_client.get("/portal/").status_code == 200

    owner_client.post(f"/portal/settings/staff/{manager_staff_a.pk}/remove/")

    answer = manager_client.get("/portal/")
    assert answer.status_code == 302
    assert answer["Location"] == "/welcome/"


def test_the_last_owner_cannot_remove_themselves(owner_client, merchant_a, owner_a):
    owner_staff = merchant_a.staff.get(user=owner_a)

    answer = owner_client.post(f"/portal/settings/staff/{owner_staff.pk}/remove/", follow=True)

    assert "A merchant needs at least one owner." in answer.content.decode()
    assert StaffMember.objects.filter(pk=owner_staff.pk).exists()


# --- API keys --------------------------------------------------------------------------------


def test_a_new_api_key_is_shown_once_and_never_cached(owner_client, merchant_a, shop_a):
    answer = owner_client.post("/portal/settings/api-keys/", {"shop": shop_a.pk, "name": "Till 1"})

    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    raw = re.search(r'id="new-key"[^>]*value="(fdl_[^"]+)"', answer.content.decode()).group(1)
    key = ApiKey.objects.for_merchant(merchant_a).get()
    assert key.key_hash == hash_token(raw)
    assert (key.name, key.shop) == ("Till 1", shop_a)
    assert authenticate_api_key(raw) == key

    reload = owner_client.get("/portal/settings/api-keys/")
    assert raw not in reload.content.decode()
    assert key.hint in reload.content.decode()


def test_an_api_key_needs_a_shop(owner_client):
    answer = owner_client.post("/portal/settings/api-keys/", {"name": "Till 1"})

    assert answer.status_code == 200
    assert "This field is required." in answer.content.decode()
    assert 'id="new-key"' not in answer.content.decode()
    assert not ApiKey.objects.exists()


def test_owner_revokes_an_api_key(owner_client, merchant_a, shop_a, owner_a):
    key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    url = f"/portal/settings/api-keys/{key.pk}/revoke/"
    assert f"Revoke the key {key.hint}…" in owner_client.get(url).content.decode()

    answer = owner_client.post(url)

    assert answer.status_code == 302
    assert authenticate_api_key(raw) is None
    assert "Revoked" in owner_client.get("/portal/settings/api-keys/").content.decode()


# --- Audit log -------------------------------------------------------------------------------


def _rows(answer) -> int:
    return answer.content.decode().count('<tr data-action="loyalty.')


def test_audit_log_filters_by_action(owner_client, merchant_a, shop_a2, owner_a):
    create_shop(merchant=merchant_a, actor=owner_a, name="Harbour")

    answer = owner_client.get("/portal/settings/audit/", {"action": "loyalty.shop.created"})

    assert answer.status_code == 200
    assert _rows(answer) == 3  # Old Town, Station, Harbour
    assert 'data-action="loyalty.merchant.created"' not in answer.content.decode()


def test_audit_log_shows_only_the_merchant_own_events(owner_client, merchant_b):
    answer = owner_client.get("/portal/settings/audit/")

    assert _rows(answer) == 2
    assert "Bakery Bee" not in answer.content.decode()


def test_audit_log_paginates(owner_client, merchant_a, owner_a):
    for number in range(60):
        log_action(merchant=merchant_a, actor=owner_a, action=f"loyalty.test.n{number}")

    first = owner_client.get("/portal/settings/audit/")
    second = owner_client.get("/portal/settings/audit/", {"page": 2})

    assert _rows(first) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert _rows(second) == 62 - 50
    assert "Page 2 of 2" in second.content.decode()
    # Newest first: the last event written leads page 1, the merchant's creation ends page 2.
    assert "loyalty.test.n59" in first.content.decode()
    assert "loyalty.merchant.created" in second.content.decode()


def test_audit_log_keeps_the_filter_in_the_page_links(owner_client, merchant_a, owner_a):
    for _ in range(55):
        log_action(merchant=merchant_a, actor=owner_a, action="loyalty.test.many")

    answer = owner_client.get("/portal/settings/audit/", {"action": "loyalty.test.many"})

    assert 'href="?action=loyalty.test.many&page=2"' in html.unescape(answer.content.decode())


def test_htmx_request_gets_only_the_results_partial(owner_client):
    answer = owner_client.get(
        "/portal/settings/audit/",
        {"action": "loyalty.shop.created"},
        headers={"HX-Request": "true"},
    )

    content = answer.content.decode()
    assert answer.status_code == 200
    assert content.lstrip().startswith('<div id="results"')
    assert "<html" not in content
    assert "<form" not in content
    assert _rows(answer) == 1
