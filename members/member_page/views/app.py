"""Add to home screen: the web app manifest and its icon, in the merchant's colours."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from loyalty.models import Merchant
from members.branding import brand_colours
from members.member_page.access import merchant_page
from members.member_page.shell import page_url


@merchant_page
@require_GET
def manifest(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    colours = brand_colours(merchant)
    data = {
        "name": merchant.name,
        "short_name": merchant.name[:12],
        "description": _("Your %(merchant)s loyalty card") % {"merchant": merchant.name},
        "start_url": page_url("card", merchant),
        "scope": page_url("card", merchant),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": colours["brand"],
        "icons": [
            {
                "src": page_url("icon", merchant),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


@merchant_page
@require_GET
def icon(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """A square of the brand colour with the merchant's initial, for the home screen."""
    return render(
        request,
        "member/members/icon.svg",
        {"initial": (merchant.name[:1] or "F").upper(), **brand_colours(merchant)},
        content_type="image/svg+xml",
    )
