"""Portal pages of the rewards (managers and owners): the catalogue with its form, preview and
order, the redemptions report (and its CSV), and each voucher's history and cancellation; the
vouchers list is in voucher_views.py."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.analytics import charts
from loyalty.errors import DomainError
from loyalty.exports import spreadsheet_cell
from loyalty.models import AuditEvent, Role
from loyalty.points.ledger import get_program
from loyalty.tenancy.permissions import staff_required
from members.branding import brand_colours
from rewards import catalogue, queries, services
from rewards.models import Reward, Voucher, VoucherSource, VoucherStatus
from rewards.portal.forms import (
    PeriodForm,
    RewardForm,
    VoucherCancelForm,
    period_bounds,
)
from rewards.pricing import reward_value_warning


def _reward_or_404(request: HttpRequest, reward_id: int) -> Reward:
    rewards = Reward.objects.for_merchant(request.merchant).select_related("merchant", "min_tier")
    return get_object_or_404(rewards, pk=reward_id)


def _voucher_or_404(request: HttpRequest, voucher_id: int) -> Voucher:
    vouchers = Voucher.objects.for_merchant(request.merchant).select_related(
        "merchant",
        "member",
        "reward",
        "issued_by",
        "issued_at_shop",
        "used_shop",
        "used_purchase",
        "used_by",
        "cancelled_by",
    )
    return get_object_or_404(vouchers, pk=voucher_id)


# --- The catalogue -------------------------------------------------------------------------------


def _catalogue_context(request: HttpRequest) -> dict:
    merchant = request.merchant
    program = get_program(merchant)
    rewards = list(
        Reward.objects.for_merchant(merchant)
        .select_related("merchant", "min_tier")
        .order_by("position", "points_cost", "id")
    )
    current = [reward for reward in rewards if not reward.archived]
    archived = sorted(
        (reward for reward in rewards if reward.archived),
        key=lambda reward: reward.archived_at,
        reverse=True,
    )
    for reward in rewards:
        reward.warning = reward_value_warning(reward, program)
    return {
        "rewards": current,
        "archived": archived,
        "program": program,
        "now": timezone.now(),
        "nav": "rewards",
        "tab": "catalogue",
    }


@require_GET
@staff_required(Role.MANAGER)
def reward_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/rewards/list.html", _catalogue_context(request))


@require_POST
@staff_required(Role.MANAGER)
def reward_move(request: HttpRequest, reward_id: int) -> HttpResponse:
    reward = _reward_or_404(request, reward_id)
    direction = request.POST.get("direction")
    if direction in ("up", "down") and not reward.archived:
        catalogue.move_reward(
            reward=reward, actor=request.user, offset=-1 if direction == "up" else 1
        )
    if request.htmx:
        return render(request, "portal/rewards/list.html#catalogue", _catalogue_context(request))
    return redirect("portal:rewards")


def _render_form(request: HttpRequest, form: RewardForm, reward: Reward | None) -> HttpResponse:
    merchant = request.merchant
    program = get_program(merchant)
    preview = _preview_reward(form, reward)
    context = {
        "form": form,
        "reward": reward,
        "preview": preview,
        "warning": reward_value_warning(preview, program) if preview else None,
        "program": program,
        "brand": brand_colours(merchant),
        "nav": "rewards",
        "tab": "catalogue",
    }
    return render(request, "portal/rewards/form.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def reward_new(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    with timezone.override(merchant.tzinfo):
        form = RewardForm(request.POST or None, request.FILES or None, merchant=merchant)
        if request.method == "POST" and form.is_valid():
            reward = catalogue.save_reward(reward=form.save(commit=False), actor=request.user)
            messages.success(request, _("Reward “%(name)s” created.") % {"name": reward.name})
            return redirect("portal:reward_edit", reward_id=reward.pk)
        return _render_form(request, form, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def reward_edit(request: HttpRequest, reward_id: int) -> HttpResponse:
    merchant = request.merchant
    reward = _reward_or_404(request, reward_id)
    with timezone.override(merchant.tzinfo):
        form = RewardForm(
            request.POST or None,
            request.FILES or None,
            instance=_reward_or_404(request, reward_id),  # the form edits a copy
            merchant=merchant,
        )
        if request.method == "POST" and form.is_valid():
            saved = catalogue.save_reward(reward=form.save(commit=False), actor=request.user)
            messages.success(request, _("Reward “%(name)s” saved.") % {"name": saved.name})
            return redirect("portal:reward_edit", reward_id=saved.pk)
        return _render_form(request, form, reward)


def _preview_reward(form: RewardForm, reward: Reward | None) -> Reward | None:
    """The reward as the form would save it, for the preview; None until it has a name and kind.

    Built field by field from what is valid so far, so that one wrong field does not blank out
    the whole preview while the manager types.
    """
    base = reward or Reward(merchant=form.merchant)
    if not form.is_bound:
        return base if reward is not None else None
    preview = Reward(
        merchant=form.merchant,
        pk=base.pk,
        image=base.image,
        stock_left=base.stock_left,
        position=base.position,
    )
    for name, field in form.fields.items():
        if name == "image":
            continue
        try:
            value = field.clean(form[name].data)
        except forms.ValidationError:  # a wrong field shows as it was; the form says why
            value = getattr(base, name, None)
        if name == "min_tier" and value is not None and value.merchant_id != form.merchant.pk:
            value = None
        setattr(preview, name, value)
    if not preview.name or not preview.kind or not preview.points_cost:
        return None
    # The stock left moves with a changed total, as save_reward will move it.
    if preview.stock is None:
        preview.stock_left = None
    elif base.stock is None or base.stock_left is None:
        preview.stock_left = preview.stock
    else:
        preview.stock_left = max(0, base.stock_left + preview.stock - base.stock)
    return preview


@require_POST
@staff_required(Role.MANAGER)
def reward_preview(request: HttpRequest) -> HttpResponse:
    """The member's card and the value warning for the form as it is now (HTMX, on change)."""
    merchant = request.merchant
    reward = None
    if reward_id := request.POST.get("reward_id"):
        reward = Reward.objects.for_merchant(merchant).filter(pk=reward_id).first()
    with timezone.override(merchant.tzinfo):
        form = RewardForm(request.POST, merchant=merchant)
        preview = _preview_reward(form, reward)
        program = get_program(merchant)
        context = {
            "preview": preview,
            "warning": reward_value_warning(preview, program) if preview else None,
            "program": program,
            "brand": brand_colours(merchant),
        }
        return render(request, "portal/rewards/form.html#preview", context)


def _archive_page(request: HttpRequest, reward_id: int, *, archived: bool) -> HttpResponse:
    reward = _reward_or_404(request, reward_id)
    if reward.archived == archived:
        return redirect("portal:rewards")
    if request.method == "POST":
        catalogue.archive_reward(reward=reward, actor=request.user, archived=archived)
        if archived:
            message = _("“%(name)s” is archived: members no longer see it.")
        else:
            message = _("“%(name)s” is back in the catalogue.")
        messages.success(request, message % {"name": reward.name})
        return redirect("portal:rewards")
    live = Voucher.objects.for_merchant(request.merchant).filter(
        reward=reward, status=VoucherStatus.ISSUED, expires_at__gt=timezone.now()
    )
    context = {
        "reward": reward,
        "archiving": archived,
        "live_vouchers": live.count(),
        "nav": "rewards",
        "tab": "catalogue",
    }
    return render(request, "portal/rewards/archive.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def reward_archive(request: HttpRequest, reward_id: int) -> HttpResponse:
    return _archive_page(request, reward_id, archived=True)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def reward_restore(request: HttpRequest, reward_id: int) -> HttpResponse:
    return _archive_page(request, reward_id, archived=False)


# --- The report ----------------------------------------------------------------------------------


REPORT_CSV_HEADER = [
    "reward",
    "archived",
    "first_day",
    "last_day",
    "redeemed",
    "used",
    "cancelled",
    "points_spent",
    "cost_in_money",
    "stock_left",
]


def _report_csv(merchant, rows: list[dict], first_day: date, last_day: date) -> HttpResponse:
    """The report's rows as the page shows them, for a spreadsheet: one line per reward."""
    lines = [
        [
            spreadsheet_cell(row["reward"].name),
            "yes" if row["reward"].archived else "no",
            first_day.isoformat(),
            last_day.isoformat(),
            row["redeemed"],
            row["used"],
            row["cancelled"],
            row["points_spent"],
            row["points_money"],
            "" if row["stock_left"] is None else row["stock_left"],
        ]
        for row in rows
    ]
    return charts.csv_download(
        f"redemptions-{merchant.slug}-{first_day.isoformat()}-{last_day.isoformat()}.csv",
        REPORT_CSV_HEADER,
        lines,
    )


@require_GET
@staff_required(Role.MANAGER)
def report(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = PeriodForm(request.GET or None)
    period, first, last = "month", None, None
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"]
        first, last = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    elif form.is_bound:
        period = "invalid"
    start, end = period_bounds(period, merchant, start=first, end=last)
    rows = queries.redemption_report(merchant, start=start, end=end)
    # Days in the merchant's time zone: `start` shown as a time in the site's zone (UTC)
    # said "from 30 Nov" for a period that starts at midnight on 1 December in Bucharest.
    first_day = timezone.localtime(start, merchant.tzinfo).date()
    last_day = timezone.localtime(end, merchant.tzinfo).date() - timedelta(days=1)
    if request.GET.get("export") == "csv":
        return _report_csv(merchant, rows, first_day, last_day)
    totals = {
        name: sum(row[name] for row in rows)
        for name in ("redeemed", "used", "cancelled", "points_spent", "points_money")
    }
    query = request.GET.copy()
    query.pop("export", None)
    context = {
        "form": form,
        "rows": rows,
        "totals": totals,
        "start": start,
        "first_day": first_day,
        "last_day": last_day,
        "query": query.urlencode(),
        "nav": "rewards",
        "tab": "report",
    }
    template = "portal/rewards/report.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# --- Vouchers ------------------------------------------------------------------------------------


def voucher_history(voucher: Voucher) -> list[dict]:
    """What happened to the voucher, oldest first: issued, then used, cancelled or expired."""
    steps = [{"what": "issued", "when": voucher.issued_at}]
    if voucher.expiry_notified_at:
        steps.append({"what": "expiry_notified", "when": voucher.expiry_notified_at})
    if voucher.status == VoucherStatus.USED:
        steps.append({"what": "used", "when": voucher.used_at})
    elif voucher.status == VoucherStatus.CANCELLED:
        steps.append({"what": "cancelled", "when": voucher.cancelled_at})
    elif voucher.status == VoucherStatus.EXPIRED or voucher.expires_at <= timezone.now():
        steps.append({"what": "expired", "when": voucher.expires_at})
    return steps


@require_GET
@staff_required(Role.MANAGER)
def voucher_detail(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = _voucher_or_404(request, voucher_id)
    cancel_audit = None
    if voucher.status == VoucherStatus.CANCELLED:
        cancel_audit = (
            AuditEvent.objects.for_merchant(request.merchant)
            .filter(
                action="rewards.voucher.cancelled",
                target_type="voucher",
                target_id=str(voucher.pk),
            )
            .first()
        )
    context = {
        "voucher": voucher,
        "history": voucher_history(voucher),
        "points_returned": (cancel_audit.data or {}).get("points_returned")
        if cancel_audit
        else None,
        "cancellable": voucher.is_live(),
        "program": get_program(request.merchant),
        "redemption": voucher.source == VoucherSource.REDEMPTION,
        "nav": "rewards",
        "tab": "vouchers",
    }
    return render(request, "portal/rewards/voucher.html", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def voucher_cancel(request: HttpRequest, voucher_id: int) -> HttpResponse:
    voucher = _voucher_or_404(request, voucher_id)
    if not voucher.is_live():
        problem = services.state_problem(voucher, timezone.now())
        messages.error(
            request,
            _("Only an unused, valid voucher can be cancelled. %(problem)s")
            % {"problem": problem.message if problem else ""},
        )
        return redirect("portal:voucher", voucher_id=voucher.pk)
    form = VoucherCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_voucher(
                voucher=voucher, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if voucher.points_cost and voucher.member_id:
                message = _("Voucher %(code)s cancelled; %(points)s points went back to %(name)s.")
            else:
                message = _("Voucher %(code)s cancelled.")
            messages.success(
                request,
                message
                % {
                    "code": voucher.display_code,
                    "points": voucher.points_cost,
                    "name": voucher.member.display_name if voucher.member else "",
                },
            )
        return redirect("portal:voucher", voucher_id=voucher.pk)
    context = {
        "voucher": voucher,
        "form": form,
        "program": get_program(request.merchant),
        "nav": "rewards",
        "tab": "vouchers",
    }
    return render(request, "portal/rewards/voucher_cancel.html", context)
