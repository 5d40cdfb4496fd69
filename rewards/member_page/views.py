"""The member's rewards pages: the catalogue, redeeming with a confirmation, their vouchers.

Under /m/<merchant-slug>/ beside the card (members/member_page/urls.py lists them). Everything is
loaded from the merchant of the slug and the signed-in person's card there: another merchant's
reward, or another member's voucher, is a 404.
"""

import re
import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.content import localized
from loyalty.errors import DomainError
from loyalty.models import Merchant
from loyalty.points.ledger import get_program
from loyalty.qr import qr_svg
from members.member_page.access import member_required, render_member_page
from members.models import Member
from rewards import queries, services
from rewards.models import Reward, Voucher, VoucherStatus

# A confirmation form is good for one redemption: a double tap or a resent form issues one
# voucher and shows it again (the token is kept on the voucher: rewards.services.redeem_reward).
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


_page = render_member_page


def voucher_qr_svg(voucher: Voucher, title: str) -> str:
    """The code as a QR, for the till's scanner to read from the phone."""
    return qr_svg(voucher.code, title)


@never_cache
@member_required
@require_GET
def catalogue(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    offers = queries.catalogue_for_member(member)
    return _page(
        request,
        "member/rewards/catalogue.html",
        merchant,
        {
            "member": member,
            "nav": "rewards",
            "program": get_program(merchant),
            "offers": offers,
            "voucher_count": len(queries.unused_vouchers(member)),
        },
    )


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest, merchant: Merchant, member: Member, reward_id: int):
    rewards = Reward.objects.for_merchant(merchant).live().select_related("merchant", "min_tier")
    reward = get_object_or_404(rewards, pk=reward_id)
    offer = queries.offer_for(member, reward)
    error = None
    status = 200
    if request.method == "POST":
        token = request.POST.get("token", "")
        if not _TOKEN.match(token):
            error = _("This page was open too long. Please confirm again.")
            status = 400
        else:
            try:
                voucher = services.redeem_reward(
                    member=member, reward=reward, actor=None, confirmation=token
                )
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("Done: %(reward)s is yours. Show the code at the till.")
                    % {"reward": localized(reward, "name")},
                )
                return redirect(_voucher_url(merchant, voucher.pk))
        member.refresh_from_db()
    program = get_program(merchant)
    return _page(
        request,
        "member/rewards/redeem.html",
        merchant,
        {
            "member": member,
            "nav": "rewards",
            "program": program,
            "reward": reward,
            "offer": offer,
            "error": error,
            "token": secrets.token_urlsafe(16),
            "balance_after": member.points_balance - reward.points_cost,
        },
        status=status,
    )


def _voucher_url(merchant: Merchant, voucher_id: int) -> str:
    return reverse(
        "member:voucher", kwargs={"merchant_slug": merchant.slug, "voucher_id": voucher_id}
    )


@never_cache
@member_required
@require_GET
def vouchers(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    now = timezone.now()
    unused = queries.unused_vouchers(member, now=now)
    past = [v for v in queries.member_vouchers(member)[:50] if not v.is_live(now)]
    return _page(
        request,
        "member/rewards/vouchers.html",
        merchant,
        {"member": member, "nav": "vouchers", "unused": unused, "past": past},
    )


@never_cache
@member_required
@require_GET
def voucher(
    request: HttpRequest, merchant: Merchant, member: Member, voucher_id: int
) -> HttpResponse:
    found = (
        Voucher.objects.for_merchant(merchant)
        .filter(member=member, pk=voucher_id)
        .select_related("merchant", "used_shop")
        .first()
    )
    if found is None:
        raise Http404
    live = found.is_live()
    return _page(
        request,
        "member/rewards/voucher.html",
        merchant,
        {
            "member": member,
            "nav": "vouchers",
            "voucher": found,
            "live": live,
            "qr_svg": voucher_qr_svg(found, _("QR code of your voucher, to scan at the till"))
            if live
            else "",
            "used": found.status == VoucherStatus.USED,
        },
    )
