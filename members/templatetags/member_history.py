"""The member's history in their words (members/history.py says how).

{% load member_history %}
{{ purchase|sale_line:merchant }}              → Old Town · €12.50 · 12 points
{% for note in purchase|sale_notes %}          → limited to 60 points per purchase
"""

from django import template

from loyalty.models import Merchant
from loyalty.models.points import Purchase
from members import history

register = template.Library()


@register.filter
def sale_line(purchase: Purchase, merchant: Merchant) -> str:
    return history.sale_line(purchase, merchant)


@register.filter
def sale_notes(purchase: Purchase) -> list[str]:
    return history.sale_notes(purchase)
