"""Rule segments: a tree of rules (AND/OR groups) turned into one queryset of members, never
members loaded into Python.

The tree, as `Segment.rules` stores it: ``{"match": "all" | "any", "rules": [rule | group]}``,
where a group has the same shape and a rule is ``{"field": ..., "op": ..., "value": ...}``.
An empty tree matches every active member of the merchant.
"""

from django.db.models import QuerySet

from campaigns.models import Segment
from loyalty.models import Merchant
from members.models import Member, MemberStatus


def matching(merchant: Merchant, rules: dict) -> QuerySet[Member]:
    """The merchant's active members that the rule tree matches (one SQL query when read)."""
    members = Member.objects.for_merchant(merchant).filter(status=MemberStatus.ACTIVE)
    if not rules or not rules.get("rules"):
        return members
    raise NotImplementedError("rule segments arrive with the segment builder")


def segment_members(segment: Segment) -> QuerySet[Member]:
    """The members of a saved segment, now."""
    return matching(segment.merchant, segment.rules)
