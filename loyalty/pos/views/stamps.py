"""The POS page's stamp cards: "+1 stamp" for a sale recorded without its items.

A panel of pos/home.html like the rest of the POS (loyalty/pos/shell.py). The stamp is added
once per form token (a double tap stamps once); each one raises the cashier's daily staff flag
(rewards.engagement.stamps.stamp_by_hand). Another merchant's card or member is a 404.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.pos import services as pos_services
from loyalty.pos.forms import StampForm
from loyalty.pos.shell import (
    INVALID,
    current_shop,
    found_member,
    member_context,
    pos_view,
    render_panel,
)
from rewards.engagement.stamps import stamp_by_hand
from rewards.models import StampCard, Voucher


@require_POST
@pos_view(Role.CASHIER)
def stamp(request: HttpRequest, member_id: int) -> HttpResponse:
    """One stamp on one of the merchant's active cards; the panel shows the card after it."""
    found = found_member(request, member_id)
    shop = current_shop(request)
    form = StampForm(request.POST)
    if not form.is_valid():
        return render_panel(request, "member", member_context(found), status=INVALID)
    card = get_object_or_404(
        StampCard.objects.for_merchant(request.merchant).select_related("reward"),
        pk=form.cleaned_data["card"],
    )
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=form.cleaned_data["token"],
            action="stamp",
            perform=lambda: _stamped(card, found, shop, request),
        )
    except DomainError as exc:
        return render_panel(
            request, "member", member_context(found, stamp_error=exc.message), status=409
        )
    found.refresh_from_db()
    filled = once.result.get("voucher")
    extra: dict = {"stamped": card, "replayed": once.replayed}
    if filled:
        extra["filled_voucher"] = Voucher.objects.for_merchant(request.merchant).get(pk=filled)
    return render_panel(request, "member", member_context(found, **extra))


def _stamped(card: StampCard, member, shop, request: HttpRequest) -> dict:
    """Stamp once; the voucher of the card this stamp filled, if it filled one."""
    rows = stamp_by_hand(card=card, member=member, shop=shop, actor=request.user)
    filled = rows[-1].member_card
    return {"card": card.pk, "voucher": filled.voucher_id if filled.filled_at else None}
