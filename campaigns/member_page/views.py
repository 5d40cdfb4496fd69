"""The campaign messages' pages on the member page: the one-click unsubscribe (RFC 8058)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns.messaging.unsubscribe import unsubscribe_from_message, unsubscribe_target
from loyalty.models import Merchant
from members.member_page.access import merchant_page, render_member_page
from members.models import ConsentChannel
from members.services.consents import FIELDS as CONSENT_FIELDS


# Mail clients send the one-click unsubscribe as a POST without any cookie (RFC 8058): the
# signed token is the proof, so there is no CSRF token to check. A GET only asks.
@csrf_exempt
@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def message_unsubscribe(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    target = unsubscribe_target(merchant, token)
    if target is None:
        raise Http404
    member, channel, _send_key = target
    context = {"channel_label": ConsentChannel(channel).label, "token": token}
    if request.method == "POST":
        unsubscribe_from_message(merchant, token)
        return render_member_page(request, "member/members/unsubscribed.html", merchant, context)
    context["already_off"] = not getattr(member, CONSENT_FIELDS[channel])
    return render_member_page(request, "member/campaigns/unsubscribe.html", merchant, context)
