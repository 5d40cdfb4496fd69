"""Portal pages of the points engine: the sales, one sale and its reversal, manual adjustments.

Managers and owners only. Sales and members are loaded through `request.merchant`, so another
merchant's receipt or card number is simply not found.
"""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from loyalty import queries
from loyalty.analytics import periods
from loyalty.audit import log_action
from loyalty.clock import local_today
from loyalty.errors import DomainError
from loyalty.exports import csv_lines, csv_response, spreadsheet_cell
from loyalty.models import Role, Shop
from loyalty.models.points import EntryKind, Purchase
from loyalty.points import ledger
from loyalty.points.ledger import get_program
from loyalty.portal.forms.points import AdjustPointsForm, PurchaseFilterForm, ReversePurchaseForm
from loyalty.tenancy.permissions import staff_required
from members.models import Member
from members.queries import member_by_card
from rewards.sales import reverse_sale

PURCHASES_PAGE_SIZE = 50


def _purchase_of(request: HttpRequest, purchase_id: int) -> Purchase:
    return get_object_or_404(
        Purchase.objects.for_merchant(request.merchant).select_related(
            "shop", "member", "recorded_by", "reversed_by"
        ),
        pk=purchase_id,
    )


@require_GET
@staff_required(Role.MANAGER)
def purchases(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = PurchaseFilterForm(request.GET or None, shops=Shop.objects.for_merchant(merchant))
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.purchases(
        merchant,
        shop=filters.get("shop"),
        flagged=filters.get("flagged", False),
        anonymous=filters.get("anonymous", False),
        receipt=filters.get("receipt", "").strip(),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    if request.GET.get("export") == "csv":
        return _export_csv(request, rows, filters)
    page = Paginator(rows, PURCHASES_PAGE_SIZE).get_page(request.GET.get("page"))
    for sale in page:
        sale.status = purchase_status(sale)
        sale.status_label = STATUS_LABELS[sale.status]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "presets": _date_presets(query, filters, local_today(merchant)),
        "filtered": any(filters.values()),
        "nav": "purchases",
    }
    template = "portal/points/purchases.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# The periods a click away, as the insights' period picker has them (in the merchant's days).
DATE_PRESETS = ("today", "7d", "30d", "month", "last_month")


def _date_presets(query, filters: dict, today: date) -> list[dict]:
    """Links that set From and Until to a preset period, the other filters kept."""
    others = query.copy()
    for name in ("since", "until"):
        others.pop(name, None)
    links = []
    for name in DATE_PRESETS:
        period = periods.preset(name, today)
        target = others.copy()
        target["since"], target["until"] = period.first_day.isoformat(), period.last_day.isoformat()
        current = (filters.get("since"), filters.get("until")) == (
            period.first_day,
            period.last_day,
        )
        links.append({"label": period.label, "url": f"?{target.urlencode()}", "current": current})
    return links


# What became of a sale, the most telling first: a reversal undoes everything, a refund gives
# money back, a flag asks the owner to look; anything else is as the till sent it.
STATUS_LABELS = {
    "reversed": gettext_lazy("Reversed"),
    "refunded": gettext_lazy("Refunded"),
    "partly_refunded": gettext_lazy("Partly refunded"),
    "flagged": gettext_lazy("Flagged"),
    "ok": gettext_lazy("OK"),
}


def purchase_status(sale: Purchase) -> str:
    """The key of `STATUS_LABELS` that says what became of the sale."""
    if sale.reversed_at is not None:
        return "reversed"
    if sale.refunded_amount >= sale.amount:
        return "refunded"
    if sale.refunded_amount > 0:
        return "partly_refunded"
    if sale.flags:
        return "flagged"
    return "ok"


EXPORT_HEADER = [
    "occurred_at",
    "shop",
    "card_number",
    "member_name",
    "receipt",
    "amount",
    "refunded",
    "points",
    "points_taken_back",
    "status",
]


def _export_csv(request: HttpRequest, rows, filters: dict) -> StreamingHttpResponse:
    """The filtered sales as CSV, streamed: a year of sales is never held in memory."""
    merchant = request.merchant
    tz = merchant.tzinfo

    def lines():
        for sale in rows.iterator(chunk_size=1000):
            member = sale.member
            yield [
                sale.occurred_at.astimezone(tz).isoformat(timespec="seconds"),
                spreadsheet_cell(sale.shop.name),
                member.card_number if member else "",
                spreadsheet_cell(f"{member.first_name} {member.last_name}".strip())
                if member
                else "",
                spreadsheet_cell(sale.external_id),
                sale.amount,
                sale.refunded_amount,
                sale.points_earned if member else "",
                sale.points_clawed_back if member else "",
                purchase_status(sale),
            ]

    # Members' names and cards leaving the system are worth a line in the audit log.
    log_action(
        merchant=merchant,
        actor=request.user,
        action="loyalty.purchases.exported",
        data={name: str(value) for name, value in filters.items() if value},
    )
    today = local_today(merchant).isoformat()
    return csv_response(f"purchases-{merchant.slug}-{today}.csv", csv_lines(EXPORT_HEADER, lines()))


@require_GET
@staff_required(Role.MANAGER)
def purchase(request: HttpRequest, purchase_id: int) -> HttpResponse:
    sale = _purchase_of(request, purchase_id)
    context = {
        "purchase": sale,
        "items": _items(sale),
        "entries": list(queries.purchase_entries(sale)),
        "refunds": list(sale.refunds.select_related("created_by").order_by("created_at", "pk")),
        "reversal_reason": queries.reversal_reason(sale) if sale.reversed_at else "",
        "nav": "purchases",
    }
    return render(request, "portal/points/purchase.html", context)


def _items(sale: Purchase) -> list[dict]:
    """The receipt lines as the till sent them, with their totals."""
    lines = []
    for item in sale.items or []:
        quantity = Decimal(item.get("quantity") or "1")
        unit_price = Decimal(item.get("unit_price") or "0")
        # 2, not 2.000; and 10, not the 1E+1 that normalize() alone would give.
        shown = quantity.to_integral_value() if quantity % 1 == 0 else quantity.normalize()
        lines.append({**item, "quantity": shown, "total": quantity * unit_price})
    return lines


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def purchase_reverse(request: HttpRequest, purchase_id: int) -> HttpResponse:
    sale = _purchase_of(request, purchase_id)
    if sale.reversed_at is not None:
        messages.info(request, _("This sale was already reversed."))
        return redirect("portal:purchase", purchase_id=sale.pk)
    form = ReversePurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _sale, given = reverse_sale(
                purchase=sale, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            # A voucher used on the sale is the customer's again: the sale never happened.
            messages.success(
                request, _("Sale %(receipt)s reversed.") % {"receipt": sale.external_id}
            )
            for voucher, back in given:
                if back is not None:
                    messages.info(
                        request,
                        _("Voucher %(code)s used on it is given back to the member.")
                        % {"code": voucher.display_code},
                    )
            return redirect("portal:purchase", purchase_id=sale.pk)
    # What the reversal takes back: what the sale credited, less what refunds took already.
    entries = queries.purchase_entries(sale).filter(
        kind__in=[EntryKind.EARN, EntryKind.BONUS, EntryKind.CLAWBACK]
    )
    context = {
        "purchase": sale,
        "form": form,
        "points_back": sum(entry.points for entry in entries),
        "program": get_program(request.merchant),
        "nav": "purchases",
    }
    return render(request, "portal/points/purchase_reverse.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def adjust_points(request: HttpRequest) -> HttpResponse:
    """Two steps without JavaScript: the form, then a confirmation naming the member."""
    merchant = request.merchant
    form = AdjustPointsForm(request.POST or None)
    member = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = member_by_card(merchant, data["card_number"])
        if member is None:
            form.add_error("card_number", _("No member with this card number."))
        elif "confirm" in request.POST:
            try:
                ledger.adjust_points(
                    member=member, points=data["points"], reason=data["reason"], actor=request.user
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _adjusted_message(member, data["points"]))
                return redirect("portal:adjust_points")
        elif data["points"] < 0 and member.points_balance < -data["points"]:
            # Said before the confirmation; the service checks again under its lock.
            form.add_error(
                "points",
                ngettext(
                    "%(name)s has %(balance)s point available.",
                    "%(name)s has %(balance)s points available.",
                    member.points_balance,
                )
                % {"name": member.display_name, "balance": member.points_balance},
            )
        elif "edit" not in request.POST:
            return _confirm_adjustment(request, form, member)
    return render(
        request, "portal/points/adjust.html", {"form": form, "member": member, "nav": "purchases"}
    )


def _confirm_adjustment(request: HttpRequest, form: AdjustPointsForm, member: Member):
    program = get_program(request.merchant)
    change = form.cleaned_data["points"]
    context = {
        "form": form,
        "member": member,
        "change": change,
        "size": abs(change),
        "balance_after": member.points_balance + change,
        "masked_contact": member.masked_email or member.masked_phone,
        "progress": queries.tier_progress(member, program=program),
        "program": program,
        "nav": "purchases",
    }
    return render(request, "portal/points/adjust_confirm.html", context)


def _adjusted_message(member: Member, change: int) -> str:
    values = {"name": member.display_name, "card": member.card_number, "points": abs(change)}
    if change > 0:
        message = ngettext(
            "%(points)s point added to %(name)s (card %(card)s).",
            "%(points)s points added to %(name)s (card %(card)s).",
            abs(change),
        )
    else:
        message = ngettext(
            "%(points)s point taken from %(name)s (card %(card)s).",
            "%(points)s points taken from %(name)s (card %(card)s).",
            abs(change),
        )
    return message % values
