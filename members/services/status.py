"""Blocking a member: the points engine refuses to record a purchase on a card not active."""

from django.db import transaction
from django.utils.translation import gettext as _

from loyalty.audit import log_action
from loyalty.errors import Conflict, ValidationFailed
from loyalty.models import User
from members.models import Member, MemberStatus

ACTIONS = {
    MemberStatus.BLOCKED: "members.member.blocked",
    MemberStatus.ACTIVE: "members.member.unblocked",
}


@transaction.atomic
def set_member_status(*, member: Member, actor: User, status: str) -> Member:
    """Block or unblock a member, with an audit row. Setting the current status writes nothing.

    An anonymized member stays anonymized: there is nobody left to block.
    """
    if status not in ACTIONS:
        raise ValidationFailed(
            _("A member can only be blocked or made active."), code="invalid_status"
        )
    member = Member.objects.select_for_update().select_related("merchant").get(pk=member.pk)
    if member.status == MemberStatus.ANONYMIZED:
        raise Conflict(
            _("This member is anonymized; there is nobody to block or unblock."),
            code="member_anonymized",
        )
    if member.status == status:
        return member
    previous = member.status
    member.status = status
    member.save(update_fields=["status"])
    log_action(
        merchant=member.merchant,
        actor=actor,
        action=ACTIONS[status],
        target=member,
        data={"from": previous, "to": status},
    )
    return member
