"""The member panel's club section (pos/_club.html): what `shell.member_context` adds.

Apart from the view module (loyalty/pos/views/club.py) so that the shell can import it without
a cycle: the view imports the shell.
"""

from django import forms

from loyalty.pos.forms import TokenForm
from members.models import Member, MemberStatus
from rewards.engagement import club as club_engine


class UsePerkForm(TokenForm):
    perk = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


def club_context(member: Member, **extra) -> dict:
    """The member's club today (None: not a member) and one form, with its own one-time token,
    per perk. One statement for a merchant without a club; three for a club member."""
    status = club_engine.club_status(member) if member.status == MemberStatus.ACTIVE else None
    perks = []
    if status is not None:
        perks = [(perk, UsePerkForm(initial={"perk": perk.pk})) for perk in status.perks]
    return {"club": status, "club_perks": perks, **extra}
