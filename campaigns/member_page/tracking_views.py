"""The links inside campaign messages and the in-app cards of the member page.

`click` and `open_pixel` are public (a mail client follows them without any session): the
signed token is the whole authority, and a token that does not check out, or names another
merchant's message, is a kind 404 that records nothing. `dismiss` is the signed-in member
closing one of their own in-app cards.
"""

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from campaigns.messaging import tracking
from loyalty.models import Merchant
from members.member_page.access import member_required, merchant_page, render_member_page
from members.member_page.shell import page_url
from members.models import Member

BROKEN_LINK = "member/campaigns/link_broken.html"
# The smallest transparent GIF (1x1), the open pixel's answer.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
@merchant_page
def click(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    found = tracking.read_click(merchant, token)
    if found is None:
        return render_member_page(
            request, "member/campaigns/link_broken.html", merchant, status=404
        )
    message, url = found
    tracking.record_click(message, url)
    # Only ever the address that was signed with this message: never one from the request.
    return HttpResponseRedirect(url)


@never_cache
@require_GET
@merchant_page
def open_pixel(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    message = tracking.read_open(merchant, token)
    if message is None:
        raise Http404
    tracking.record_open(message)
    return HttpResponse(PIXEL, content_type="image/gif")


@require_POST
@member_required
def dismiss(request: HttpRequest, merchant: Merchant, member: Member, message_id: int):
    if not tracking.dismiss_in_app(member, message_id):
        raise Http404
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    return redirect(page_url("card", merchant))
