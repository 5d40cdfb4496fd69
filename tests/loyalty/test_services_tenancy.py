"""Write paths of tenancy, staff and API keys (loyalty/tenancy/services.py)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from loyalty.errors import Conflict, NotAllowed, ValidationFailed
from loyalty.models import ApiKey, AuditEvent, Invitation, Merchant, Role, StaffMember, hash_token
from loyalty.tenancy.services import (
    INVITATION_DAYS,
    accept_invitation,
    archive_shop,
    authenticate_api_key,
    change_role,
    create_api_key,
    create_merchant,
    create_shop,
    find_invitation,
    invite_staff,
    remove_staff,
    restore_shop,
    revoke_api_key,
    revoke_invitation,
    update_merchant,
    update_shop,
)
from tests.factories import UserFactory

AUDIT_ACTION = re.compile(r"^loyalty\.[a-z_]+\.[a-z_]+$")


def _actions(merchant) -> list[str]:
    return list(
        AuditEvent.objects.for_merchant(merchant).order_by("id").values_list("action", flat=True)
    )


# --- Merchants and shops ---------------------------------------------------------------------


def test_create_merchant_writes_the_shop_the_owner_and_the_audit_rows(db):
    owner = UserFactory()

    merchant = create_merchant(
        owner=owner, name="Green Tea", slug="green-tea", currency="RON", shop_name="Piața"
    )

    assert merchant.currency == "RON"
    assert [shop.name for shop in merchant.shops.all()] == ["Piața"]
    assert [(s.user, s.role, s.shop) for s in merchant.staff.all()] == [(owner, Role.OWNER, None)]
    assert _actions(merchant) == ["loyalty.merchant.created", "loyalty.shop.created"]
    assert set(AuditEvent.objects.for_merchant(merchant).values_list("actor", flat=True)) == {
        owner.pk
    }


def test_create_merchant_refuses_a_taken_slug(merchant_a):
    with pytest.raises(Conflict) as error:
        create_merchant(owner=UserFactory(), name="Other", slug=merchant_a.slug)

    assert error.value.code == "slug_taken"
    assert Merchant.objects.filter(slug=merchant_a.slug).count() == 1


def test_create_shop_refuses_a_name_taken_in_the_same_merchant(merchant_a, owner_a, merchant_b):
    with pytest.raises(Conflict):
        create_shop(merchant=merchant_a, actor=owner_a, name="old town")

    # Another merchant may use the same name.
    assert create_shop(merchant=merchant_b, actor=None, name="Old Town").pk


def test_update_merchant_records_only_changed_fields(merchant_a, owner_a):
    update_merchant(
        merchant=merchant_a, actor=owner_a, changes={"name": "Aroma", "currency": "EUR"}
    )

    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.merchant.updated")
    assert event.data == {"changed": ["name"]}
    merchant_a.refresh_from_db()
    assert merchant_a.name == "Aroma"


def test_update_merchant_without_a_change_writes_nothing(merchant_a, owner_a):
    before = AuditEvent.objects.count()

    update_merchant(merchant=merchant_a, actor=owner_a, changes={"currency": "EUR"})

    assert AuditEvent.objects.count() == before


def test_archive_shop_refuses_the_last_open_shop(merchant_a, shop_a, owner_a):
    with pytest.raises(NotAllowed) as error:
        archive_shop(shop=shop_a, actor=owner_a)

    assert error.value.code == "last_shop"
    shop_a.refresh_from_db()
    assert shop_a.archived_at is None


def test_archive_shop_refuses_while_cashiers_are_bound_to_it(shop_a, shop_a2, cashier_a, owner_a):
    with pytest.raises(NotAllowed) as error:
        archive_shop(shop=shop_a, actor=owner_a)

    assert error.value.code == "shop_has_staff"


def test_archive_shop_revokes_the_api_keys_of_that_shop_only(merchant_a, shop_a, shop_a2, owner_a):
    key_a2, _ = create_api_key(merchant=merchant_a, shop=shop_a2, actor=owner_a)
    key_a, raw_a = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)

    archive_shop(shop=shop_a2, actor=owner_a)

    key_a2.refresh_from_db()
    key_a.refresh_from_db()
    assert key_a2.revoked_at is not None
    assert key_a.revoked_at is None
    assert authenticate_api_key(raw_a) == key_a


def test_archived_shop_takes_no_new_api_key(merchant_a, shop_a2, owner_a):
    archive_shop(shop=shop_a2, actor=owner_a)

    with pytest.raises(ValidationFailed):
        create_api_key(merchant=merchant_a, shop=shop_a2, actor=owner_a)


def test_restore_shop_reopens_it(merchant_a, shop_a2, owner_a):
    archive_shop(shop=shop_a2, actor=owner_a)

    restore_shop(shop=shop_a2, actor=owner_a)

    assert merchant_a.shops.active().filter(pk=shop_a2.pk).exists()


# --- Invitations -----------------------------------------------------------------------------


def test_invite_staff_emails_a_link_after_commit(
    merchant_a, owner_a, shop_a, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://loyalty.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite_staff(
            merchant=merchant_a,
            actor=owner_a,
            email=" New@Example.com ",
            role=Role.CASHIER,
            shop=shop_a,
        )
        # Nothing leaves before the transaction commits.
        assert mail.outbox == []

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert "Aroma Café" in message.subject
    assert f"https://loyalty.example.com/invite/{token}/" in message.body
    assert invitation.email == "new@example.com"
    assert invitation.shop == shop_a
    # Only the hash of the token is kept.
    assert invitation.token_hash == hash_token(token)
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_invite_staff_drops_the_shop_of_a_manager(merchant_a, owner_a, shop_a):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="m@example.com", role=Role.MANAGER, shop=shop_a
    )
    assert invitation.shop is None


def test_invite_staff_refuses_a_shop_of_another_merchant(merchant_a, owner_a, merchant_b):
    with pytest.raises(ValidationFailed):
        invite_staff(
            merchant=merchant_a,
            actor=owner_a,
            email="c@example.com",
            role=Role.CASHIER,
            shop=merchant_b.shops.get(),
        )
    assert not Invitation.objects.exists()


def test_invite_staff_refuses_someone_already_on_the_staff(merchant_a, owner_a, manager_a):
    with pytest.raises(Conflict):
        invite_staff(
            merchant=merchant_a, actor=owner_a, email="MANAGER.A@example.com", role=Role.CASHIER
        )


def test_a_new_invitation_replaces_the_open_one(merchant_a, owner_a):
    first, first_token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="x@example.com", role=Role.MANAGER
    )
    invite_staff(merchant=merchant_a, actor=owner_a, email="x@example.com", role=Role.MANAGER)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert not find_invitation(first_token).is_open


def test_accept_invitation_makes_the_person_staff(merchant_a, owner_a, shop_a):
    invitation, token = invite_staff(
        merchant=merchant_a, actor=owner_a, email="new@example.com", role=Role.CASHIER, shop=shop_a
    )
    user = UserFactory(email="new@example.com")

    staff = accept_invitation(invitation=find_invitation(token), user=user)

    assert (staff.merchant, staff.user, staff.role, staff.shop) == (
        merchant_a,
        user,
        Role.CASHIER,
        shop_a,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    joined = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.staff.joined")
    assert joined.actor == user


def test_find_invitation_does_not_know_an_unknown_token(db):
    assert find_invitation("no-such-token") is None


def test_expired_invitation_is_refused(merchant_a, owner_a):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="late@example.com", role=Role.MANAGER
    )
    user = UserFactory(email="late@example.com")

    later = timezone.now() + timedelta(days=INVITATION_DAYS, hours=1)
    with time_machine.travel(later), pytest.raises(NotAllowed) as error:
        accept_invitation(invitation=invitation, user=user)

    assert error.value.code == "invitation_closed"
    assert not StaffMember.objects.filter(user=user).exists()


def test_invitation_still_works_on_its_last_day(merchant_a, owner_a):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="late@example.com", role=Role.MANAGER
    )
    user = UserFactory(email="late@example.com")

    with time_machine.travel(timezone.now() + timedelta(days=INVITATION_DAYS, hours=-1)):
        assert accept_invitation(invitation=invitation, user=user).role == Role.MANAGER


def test_revoked_invitation_is_refused(merchant_a, owner_a):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="gone@example.com", role=Role.MANAGER
    )
    revoke_invitation(invitation=invitation, actor=owner_a)

    with pytest.raises(NotAllowed) as error:
        accept_invitation(invitation=invitation, user=UserFactory(email="gone@example.com"))

    assert error.value.code == "invitation_closed"


def test_used_invitation_is_refused_the_second_time(merchant_a, owner_a):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="twice@example.com", role=Role.MANAGER
    )
    user = UserFactory(email="twice@example.com")
    accept_invitation(invitation=invitation, user=user)

    with pytest.raises(NotAllowed) as error:
        accept_invitation(invitation=invitation, user=user)

    assert error.value.code == "invitation_closed"


def test_invitation_for_another_address_is_refused(merchant_a, owner_a):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="right@example.com", role=Role.MANAGER
    )
    wrong = UserFactory(email="wrong@example.com")

    with pytest.raises(NotAllowed) as error:
        accept_invitation(invitation=invitation, user=wrong)

    assert error.value.code == "invitation_other_email"
    assert not StaffMember.objects.filter(user=wrong).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_invitation_to_a_shop_archived_since_does_not_bind_a_cashier_to_it(
    merchant_a, owner_a, shop_a, shop_a2
):
    invitation, _ = invite_staff(
        merchant=merchant_a, actor=owner_a, email="c@example.com", role=Role.CASHIER, shop=shop_a2
    )
    archive_shop(shop=shop_a2, actor=owner_a)
    invitation.refresh_from_db()

    with pytest.raises(NotAllowed) as error:
        accept_invitation(invitation=invitation, user=UserFactory(email="c@example.com"))

    assert error.value.code == "invitation_closed"
    assert not merchant_a.staff.filter(user__email="c@example.com").exists()


# --- Roles and removal -----------------------------------------------------------------------


def test_change_role_refuses_to_drop_the_last_owner(merchant_a, owner_a):
    owner_staff = merchant_a.staff.get(user=owner_a)

    with pytest.raises(NotAllowed) as error:
        change_role(staff=owner_staff, actor=owner_a, role=Role.MANAGER)

    assert error.value.code == "last_owner"
    owner_staff.refresh_from_db()
    assert owner_staff.role == Role.OWNER


def test_change_role_lets_an_owner_step_down_when_another_owner_remains(
    merchant_a, owner_a, manager_staff_a
):
    change_role(staff=manager_staff_a, actor=owner_a, role=Role.OWNER)

    change_role(staff=merchant_a.staff.get(user=owner_a), actor=owner_a, role="manager")

    assert list(merchant_a.staff.filter(role=Role.OWNER)) == [manager_staff_a]


def test_change_role_to_cashier_binds_the_shop_and_records_before_and_after(
    merchant_a, owner_a, manager_staff_a, shop_a
):
    change_role(staff=manager_staff_a, actor=owner_a, role=Role.CASHIER, shop=shop_a)

    manager_staff_a.refresh_from_db()
    assert (manager_staff_a.role, manager_staff_a.shop) == (Role.CASHIER, shop_a)
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.staff.role_changed")
    assert event.data == {
        "before": {"role": "manager", "shop": None},
        "after": {"role": "cashier", "shop": shop_a.pk},
    }


def test_remove_staff_refuses_to_remove_the_last_owner(merchant_a, owner_a):
    with pytest.raises(NotAllowed) as error:
        remove_staff(staff=merchant_a.staff.get(user=owner_a), actor=owner_a)

    assert error.value.code == "last_owner"
    assert merchant_a.staff.filter(user=owner_a).exists()


def test_remove_staff_takes_away_access_and_keeps_the_record(merchant_a, owner_a, manager_a):
    remove_staff(staff=merchant_a.staff.get(user=manager_a), actor=owner_a)

    assert not merchant_a.staff.filter(user=manager_a).exists()
    event = AuditEvent.objects.for_merchant(merchant_a).get(action="loyalty.staff.removed")
    assert event.data == {"email": "manager.a@example.com", "role": "manager"}


# --- API keys --------------------------------------------------------------------------------


def test_create_api_key_stores_only_a_hash(merchant_a, shop_a, owner_a):
    key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a, name="T1")

    assert raw.startswith(ApiKey.PREFIX)
    assert len(raw) > 40
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in {str(value) for value in stored.values()}
    assert stored["key_hash"] == hash_token(raw)
    assert raw.startswith(stored["hint"])
    assert len(stored["hint"]) < len(raw) // 2


def test_create_api_key_refuses_a_shop_of_another_merchant(merchant_a, merchant_b, owner_a):
    with pytest.raises(ValidationFailed):
        create_api_key(merchant=merchant_a, shop=merchant_b.shops.get(), actor=owner_a)


def test_authenticate_api_key_finds_the_active_key_and_marks_it_used(merchant_a, shop_a, owner_a):
    key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    assert key.last_used_at is None

    found = authenticate_api_key(raw)

    assert found == key
    assert (found.merchant, found.shop) == (merchant_a, shop_a)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_authenticate_api_key_writes_last_use_at_most_once_a_minute(merchant_a, shop_a, owner_a):
    key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        authenticate_api_key(raw)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        authenticate_api_key(raw)
    key.refresh_from_db()
    assert key.last_used_at == start

    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        authenticate_api_key(raw)
    key.refresh_from_db()
    assert key.last_used_at == start + timedelta(minutes=2)


def test_authenticate_api_key_refuses_a_revoked_key(merchant_a, shop_a, owner_a):
    key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)
    revoke_api_key(key=key, actor=owner_a)

    assert authenticate_api_key(raw) is None


def test_authenticate_api_key_refuses_an_unknown_key(merchant_a, shop_a, owner_a):
    _key, raw = create_api_key(merchant=merchant_a, shop=shop_a, actor=owner_a)

    assert authenticate_api_key(raw + "x") is None
    assert authenticate_api_key(hash_token(raw)) is None


# --- Audit -----------------------------------------------------------------------------------


def _invite(w):
    return invite_staff(
        merchant=w.merchant, actor=w.owner, email="i@example.com", role=Role.MANAGER
    )[0]


SERVICE_CALLS = {
    "loyalty.merchant.updated": lambda w: update_merchant(
        merchant=w.merchant, actor=w.owner, changes={"name": "Renamed"}
    ),
    "loyalty.shop.created": lambda w: create_shop(
        merchant=w.merchant, actor=w.owner, name="Harbour"
    ),
    "loyalty.shop.updated": lambda w: update_shop(
        shop=w.shop2, actor=w.owner, name="Station 2", address=""
    ),
    "loyalty.shop.archived": lambda w: archive_shop(shop=w.shop2, actor=w.owner),
    "loyalty.shop.restored": lambda w: restore_shop(
        shop=archive_shop(shop=w.shop2, actor=w.owner), actor=w.owner
    ),
    "loyalty.staff.invited": _invite,
    "loyalty.staff.invitation_revoked": lambda w: revoke_invitation(
        invitation=_invite(w), actor=w.owner
    ),
    "loyalty.staff.joined": lambda w: accept_invitation(
        invitation=_invite(w), user=UserFactory(email="i@example.com")
    ),
    "loyalty.staff.role_changed": lambda w: change_role(
        staff=w.manager_staff, actor=w.owner, role=Role.OWNER
    ),
    "loyalty.staff.removed": lambda w: remove_staff(staff=w.manager_staff, actor=w.owner),
    "loyalty.api_key.created": lambda w: create_api_key(
        merchant=w.merchant, shop=w.shop, actor=w.owner
    ),
    "loyalty.api_key.revoked": lambda w: revoke_api_key(
        key=create_api_key(merchant=w.merchant, shop=w.shop, actor=w.owner)[0],
        actor=w.owner,
    ),
}


class _World:
    def __init__(self, merchant, owner, shop, shop2, manager_staff):
        self.merchant, self.owner, self.shop, self.shop2 = merchant, owner, shop, shop2
        self.manager_staff = manager_staff


@pytest.mark.parametrize("action", SERVICE_CALLS)
def test_every_service_leaves_an_audit_row_with_a_namespaced_action(
    action, merchant_a, owner_a, shop_a, shop_a2, manager_staff_a, merchant_b
):
    world = _World(merchant_a, owner_a, shop_a, shop_a2, manager_staff_a)
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    SERVICE_CALLS[action](world)

    new = AuditEvent.objects.filter(id__gt=start).order_by("id")
    assert AUDIT_ACTION.match(action)
    assert action in [event.action for event in new]
    assert all(AUDIT_ACTION.match(event.action) for event in new)
    assert {event.merchant for event in new} == {merchant_a}
    event = new.filter(action=action).last()
    assert event.target_id and event.target_type and event.target_repr
    if action != "loyalty.staff.joined":
        assert event.actor == owner_a


def test_a_system_action_has_no_actor(merchant_a):
    shop = create_shop(merchant=merchant_a, actor=None, name="Kiosk")

    event = AuditEvent.objects.for_merchant(merchant_a).get(target_id=str(shop.pk))
    assert event.actor is None
