"""Portal page of the vouchers (managers and owners): the list with its filters (status,
reward, the days they were issued on) and the look-up of one voucher by its exact code.

The look-up stays a POST, so that codes (bearer secrets) stay out of URLs, browser history and
access logs; the list's filters are a GET, so a filtered list can be bookmarked and paged.
"""

from allauth.account.adapter import get_adapter
from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from loyalty.clock import day_span
from loyalty.errors import DomainError
from loyalty.models import Merchant, Role
from loyalty.tenancy.permissions import staff_required
from rewards import queries, services
from rewards.models import Reward, VoucherStatus
from rewards.portal.forms import VoucherSearchForm
from rewards.throttle import VoucherLookupThrottled, guarded

PAGE_SIZE = 50


class VoucherFilterForm(forms.Form):
    """The list's filters; the reward is one of the merchant's own (another's id is invalid)."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *VoucherStatus.choices],
    )
    reward = forms.ModelChoiceField(
        label=_("Reward"), required=False, queryset=Reward.objects.none(), empty_label=_("Any")
    )
    since = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = Reward.objects.for_merchant(merchant).order_by(
            "archived_at", "position", "id"
        )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day cannot come before the first."))
        return data


def _lookup_scopes(request: HttpRequest) -> list[str]:
    return [f"staff:{request.user.pk}", f"ip:{get_adapter().get_client_ip(request)}"]


def _look_up(request: HttpRequest, form: VoucherSearchForm) -> tuple[HttpResponse | None, int]:
    """The voucher of the code typed (a redirect to its page), or the form's error and status."""
    merchant = request.merchant
    code = form.cleaned_data["code"]
    try:
        voucher = guarded(
            _lookup_scopes(request),
            lambda: services.find_voucher(merchant=merchant, code=code),
            merchant=merchant,
        )
    except VoucherLookupThrottled as exc:
        form.add_error("code", exc.message)
        return None, 429
    except DomainError as exc:
        form.add_error("code", exc.message)
        return None, 200
    return redirect("portal:voucher", voucher_id=voucher.pk), 200


def _filtered(request: HttpRequest, filters: VoucherFilterForm):
    merchant = request.merchant
    filters.is_valid()
    # Only the filters that are valid apply: a bad date or another merchant's reward is shown
    # as an error beside its field and left out, never guessed.
    data = filters.cleaned_data
    start = end = None
    if data.get("since"):
        start, _end = day_span(data["since"], data["since"], merchant.tzinfo)
    if data.get("until"):
        _start, end = day_span(data["until"], data["until"], merchant.tzinfo)
    return queries.voucher_list(
        merchant, status=data.get("status") or None, reward=data.get("reward"), start=start, end=end
    )


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def voucher_list(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    search = VoucherSearchForm(request.POST or None)
    status = 200
    if search.is_bound and search.is_valid():
        found, status = _look_up(request, search)
        if found is not None:
            return found
    filters = VoucherFilterForm(request.GET, merchant=merchant)
    page = Paginator(_filtered(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": search,
        "filters": filters,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "page": page,
        # An issued voucher past its end shows as expired before the nightly job marks it.
        "now": timezone.now(),
        "query": query.urlencode(),
        "nav": "rewards",
        "tab": "vouchers",
    }
    template = "portal/rewards/voucher_search.html"
    if request.htmx and request.method == "GET":
        template += "#results"
    response = render(request, template, context, status=status)
    if status == 429:
        response["Retry-After"] = str(VoucherLookupThrottled.retry_after)
    return response
