"""The member's history in their words (members/member_queries.py says how).

{% load member_history %}
{{ purchase|sale_line:merchant }}              → Old Town · €12.50 · 12 points
{% for note in purchase|sale_notes %}          → limited to 60 points per purchase
"""

from django import template

from loyalty.models import Merchant
from loyalty.models.points import Purchase
from members.member_page import queries as member_queries

register = template.Library()


@register.filter
def sale_line(purchase: Purchase, merchant: Merchant) -> str:
    return member_queries.sale_line(purchase, merchant)


@register.filter
def sale_notes(purchase: Purchase) -> list[str]:
    return member_queries.sale_notes(purchase)
