"""The card's "next reward" box: what the member can afford now, or how far the nearest is."""

from django import template

from loyalty.points.ledger import get_program
from members.models import Member
from rewards import queries

register = template.Library()


@register.inclusion_tag("member/rewards/_next_reward.html")
def next_reward_card(member: Member) -> dict:
    offer = queries.next_reward(member)
    return {
        "offer": offer,
        "member": member,
        "merchant": member.merchant,
        "program": get_program(member.merchant),
        "vouchers": queries.unused_vouchers(member),
    }
