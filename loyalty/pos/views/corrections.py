"""Putting a sale right at the till: the cashier's undo of their own last sale, a manager's
reversal, and a manager's change of a member's points."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.models.points import Purchase
from loyalty.points.ledger import adjust_points
from loyalty.pos import queries as pos_queries
from loyalty.pos import services as pos_services
from loyalty.pos.forms import (
    AdjustForm,
    ReverseForm,
    UndoForm,
)
from loyalty.pos.shell import (
    INVALID,
    current_shop,
    found_member,
    member_context,
    pos_view,
    render_panel,
    was_found,
    with_new_token,
)
from members.models import Member
from rewards.sales import reverse_sale


def _sale_of(request: HttpRequest, purchase_id: int) -> Purchase:
    return get_object_or_404(
        Purchase.objects.for_merchant(request.merchant).select_related("merchant", "member"),
        pk=purchase_id,
    )


def _take_back(
    request: HttpRequest, sale: Purchase, *, action: str, token: str, perform
) -> HttpResponse:
    """Run an undo or a reversal once per form token; the sale as it is now, or why not."""
    try:
        once = pos_services.run_once(
            merchant=request.merchant,
            user=request.user,
            token=token,
            action=action,
            perform=perform,
            together=False,
        )
    except DomainError as exc:
        status = 403 if isinstance(exc, pos_services.UndoRefused) else 409
        return render_panel(request, "message", {"error": exc.message, "sale": sale}, status=status)
    sale.refresh_from_db()
    vouchers = once.result.get("vouchers", [])
    return render_panel(
        request, "undone", {"sale": sale, "vouchers": vouchers, **_after_sale(request, sale)}
    )


@require_POST
@pos_view(Role.CASHIER)
def undo(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """The cashier's own last sale, within minutes: reversed in the ledger, audited."""
    sale = _sale_of(request, purchase_id)
    current_shop(request)
    form = UndoForm(request.POST)
    if not form.is_valid():
        return render_panel(request, "message", {"error": _("Nothing to undo.")}, status=INVALID)
    return _take_back(
        request,
        sale,
        action="undo",
        token=form.cleaned_data["token"],
        perform=lambda: _undone(sale, request),
    )


def _undone(sale: Purchase, request: HttpRequest) -> dict:
    _sale, given_back = pos_services.undo_purchase(purchase=sale, actor=request.user)
    return {"purchase": sale.pk, "vouchers": _voucher_pairs(given_back)}


def _voucher_pairs(given_back: list[tuple]) -> list[dict]:
    # Masked: the till shows which voucher, never enough of its code to use it elsewhere.
    return [
        {"used": old.masked_code, "new": new.masked_code if new else None, "what": old.title}
        for old, new in given_back
    ]


def _after_sale(request: HttpRequest, sale: Purchase) -> dict:
    if sale.member_id is None:
        return {}
    member = Member.objects.select_related("tier", "merchant").get(pk=sale.member_id)
    return {
        "member": member,
        "short_name": pos_queries.short_name(member),
        "member_found": was_found(request, member.pk),
    }


@require_POST
@pos_view(Role.MANAGER)
def reverse(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """A manager reverses a sale from the till (refunds of part of a sale: the portal)."""
    sale = _sale_of(request, purchase_id)
    current_shop(request)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        return render_panel(
            request, "message", {"error": form.errors.as_text(), "sale": sale}, status=INVALID
        )
    reason = form.cleaned_data["reason"]
    return _take_back(
        request,
        sale,
        action="reverse",
        token=form.cleaned_data["token"],
        perform=lambda: _reversed(sale, request, reason),
    )


def _reversed(sale: Purchase, request: HttpRequest, reason: str) -> dict:
    _sale, given_back = reverse_sale(purchase=sale, actor=request.user, reason=reason)
    return {"purchase": sale.pk, "vouchers": _voucher_pairs(given_back)}


@require_POST
@pos_view(Role.MANAGER)
def adjust(request: HttpRequest, member_id: int) -> HttpResponse:
    """A manager's manual change of a member's points, with a reason (cashiers: 403)."""
    found = found_member(request, member_id)
    current_shop(request)
    form = AdjustForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            once = pos_services.run_once(
                merchant=request.merchant,
                user=request.user,
                token=data["token"],
                action="adjust",
                perform=lambda: _adjusted(found, request, data["points"], data["reason"]),
                together=False,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            found.refresh_from_db()
            return render_panel(
                request,
                "member",
                member_context(found, adjusted=once.result.get("points"), replayed=once.replayed),
            )
    return render_panel(
        request, "member", member_context(found, adjust_form=with_new_token(form)), status=INVALID
    )


def _adjusted(member: Member, request: HttpRequest, change: int, reason: str) -> dict:
    adjust_points(member=member, points=change, reason=reason, actor=request.user)
    return {"points": change}
