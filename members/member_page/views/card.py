"""The card with its QR code, the history of points and purchases, and claiming a receipt."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.promotions.queries import member_promotions
from loyalty.errors import DomainError
from loyalty.models import Merchant
from loyalty.points.ledger import get_program
from loyalty.points.purchases import claim_purchase
from members.history import with_notes
from members.member_page.access import member_required, render_member_page
from members.member_page.forms import ClaimForm
from members.member_page.queries import card_summary, member_ledger, member_purchases
from members.member_page.shell import card_context, page_url
from members.models import Member
from members.throttle import ClaimThrottled, guarded_claim
from rewards.engagement.club import club_status
from rewards.engagement.queries import member_challenges, member_stamp_cards, member_streak

HISTORY_PAGE_SIZE = 20


@never_cache
@member_required
@require_GET
def card(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    return render_member_page(
        request,
        "member/members/card.html",
        merchant,
        {
            "member": member,
            "nav": "card",
            **card_context(member),
            **card_summary(member),
            "promotions": member_promotions(member),
            "club_status": club_status(member),
            "stamp_cards": member_stamp_cards(member),
            "streak": member_streak(member),
            "challenges": member_challenges(member),
        },
    )


@never_cache
@member_required
@require_GET
def history(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    purchases = Paginator(member_purchases(member), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("purchases")
    )
    entries = Paginator(member_ledger(member), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("entries")
    )
    entries.object_list = with_notes(entries.object_list)
    return render_member_page(
        request,
        "member/members/history.html",
        merchant,
        {
            "member": member,
            "nav": "history",
            "purchases": purchases,
            "entries": entries,
            "program": get_program(merchant),
            "tz": merchant.timezone,
        },
    )


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    """A receipt of a sale made without the card, claimed with the code printed on it."""
    form = ClaimForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            result = guarded_claim(
                member=member,
                ip=get_adapter().get_client_ip(request) or "",
                claim=lambda: claim_purchase(member=member, code=form.cleaned_data["code"]),
            )
        except ClaimThrottled as exc:
            form.add_error("code", exc.message)
            status, retry_after = 429, exc.retry_after
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Receipt claimed: %(points)s point collected.",
                    "Receipt claimed: %(points)s points collected.",
                    result.points_earned,
                )
                % {"points": result.points_earned},
            )
            return redirect(page_url("history", merchant))
    response = render_member_page(
        request,
        "member/members/claim.html",
        merchant,
        {"member": member, "nav": "history", "form": form},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
