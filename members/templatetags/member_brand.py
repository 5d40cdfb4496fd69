"""The merchant's brand on allauth's pages when a member's sign-in passes through them.

A member's email-code sign-in starts on /m/<slug>/login and goes on to allauth's code page
with `next` pointing back under /m/<slug>/. That `next` names the merchant whose colour, logo
and name the page then wears, like the member pages (templates/allauth/layouts/base.html).
"""

import re

from django import template

from loyalty.models import Merchant
from members.branding import brand_colours

register = template.Library()

_MEMBER_PATH = re.compile(r"^/m/(?P<slug>[-\w]+)/")
_CACHE = "_fidela_member_brand"


@register.simple_tag(takes_context=True)
def member_brand(context) -> dict | None:
    """{"merchant", "brand", "brand_ink"} of the member page `next` leads to, else None."""
    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, _CACHE):
        wanted = request.POST.get("next") or request.GET.get("next") or ""
        match = _MEMBER_PATH.match(wanted)
        merchant = Merchant.objects.filter(slug=match["slug"]).first() if match else None
        brand = {"merchant": merchant, **brand_colours(merchant)} if merchant else None
        setattr(request, _CACHE, brand)
    return getattr(request, _CACHE)
