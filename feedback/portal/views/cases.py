"""The cases pages (/portal/feedback/cases/): the list with its filters and one case with its
answer, its timeline and the manager's forms (owner, status, note, reply, recovery, resolve).

Merchant managers and owners only; another merchant's case is a 404. Every write is a POST
to its own URL that calls one service of `feedback.cases.services` and comes back to the
case; a form with errors is shown again on the case page, with what was typed.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.models import Channel
from feedback.cases import queries, services
from feedback.models import Case, CaseStatus, Topic
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from rewards.models import Reward

PAGE_SIZE = 50


class CaseFilters(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            (queries.UNRESOLVED, gettext_lazy("Not resolved")),
            ("", gettext_lazy("Any status")),
            *CaseStatus.choices,
        ],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    shop = forms.TypedChoiceField(
        label=gettext_lazy("Shop"), required=False, coerce=int, empty_value=None
    )
    owner = forms.ChoiceField(label=pgettext_lazy("who handles a case", "Owner"), required=False)

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [("", _("Every shop"))] + [
            (shop.pk, shop.name) for shop in merchant.shops.order_by("name")
        ]
        self.fields["owner"].choices = [
            ("", _("Anyone")),
            ("none", _("Nobody yet")),
            *((str(user.pk), user.email) for user in services.case_owners(merchant)),
        ]


class OwnerForm(forms.Form):
    owner = forms.ChoiceField(label=pgettext_lazy("who handles a case", "Owner"), required=False)

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {str(user.pk): user for user in services.case_owners(merchant)}
        self.fields["owner"].choices = [("", _("Nobody"))] + [
            (pk, user.email) for pk, user in self.owners.items()
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=CaseStatus.choices)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For your team; the customer never sees it."),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message to the customer"),
        max_length=services.MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class RecoveryForm(forms.Form):
    reward = forms.ModelChoiceField(
        label=gettext_lazy("A voucher for"),
        queryset=Reward.objects.none(),
        required=False,
        empty_label=gettext_lazy("No voucher"),
    )
    points = forms.IntegerField(
        label=gettext_lazy("Or bonus points"),
        required=False,
        min_value=1,
        max_value=services.MAX_RECOVERY_POINTS,
    )

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = Reward.objects.for_merchant(merchant).live()

    def clean(self):
        data = super().clean()
        if bool(data.get("reward")) == bool(data.get("points")):
            raise forms.ValidationError(_("Choose a reward or a number of points, not both."))
        return data


def _case_or_404(request: HttpRequest, case_id: int) -> Case:
    case = queries.case_detail(request.merchant, case_id)
    if case is None:
        raise Http404
    return case


@require_GET
@staff_required(Role.MANAGER)
def case_list(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    data = request.GET.copy()
    data.setdefault("status", queries.UNRESOLVED)  # "Any status" sends an empty one
    form = CaseFilters(data, merchant=merchant)
    choice = form.cleaned_data if form.is_valid() else {"status": queries.UNRESOLVED}
    owner = choice.get("owner") or ""
    rows = queries.cases(
        merchant,
        status=choice.get("status") or "",
        overdue=bool(choice.get("overdue")),
        shop_id=choice.get("shop"),
        owner_id=int(owner) if owner.isdigit() else None,
        unassigned=owner == "none",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "feedback",
        "tab": "cases",
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "any_case": queries.cases(merchant).exists(),
        "now": timezone.now(),
    }
    return render(request, "portal/feedback/cases.html", context)


def _with_channel_labels(notes) -> list:
    labels = dict(Channel.choices)
    notes = list(notes)
    for note in notes:
        note.channel_label = labels.get(note.channel, note.channel)
    return notes


def _render_case(request: HttpRequest, case: Case, status: int = 200, **forms_) -> HttpResponse:
    merchant = request.merchant
    context = {
        "nav": "feedback",
        "tab": "cases",
        "case": case,
        "answer": case.answer,
        "topics": [Topic(t).label for t in case.answer.topics if t in Topic.values],
        "notes": _with_channel_labels(queries.timeline(case)),
        "overdue": case.is_overdue(),
        "channel": Channel(services.reply_channel(case)).label,
        "owner_form": forms_.get("owner_form")
        or OwnerForm(initial={"owner": case.owner_id or ""}, merchant=merchant),
        "status_form": forms_.get("status_form") or StatusForm(initial={"status": case.status}),
        "note_form": forms_.get("note_form") or NoteForm(),
        "reply_form": forms_.get("reply_form") or ReplyForm(),
        "recovery_form": forms_.get("recovery_form") or RecoveryForm(merchant=merchant),
        "recovery_given": bool(case.recovery_voucher_id or case.recovery_points),
    }
    return render(request, "portal/feedback/case.html", context, status=status)


@require_GET
@staff_required(Role.MANAGER)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_case(request, _case_or_404(request, case_id))


def _act(request: HttpRequest, case: Case, form_name: str, form, action, done: str):
    """Run `action(form.cleaned_data)` when the form is valid; a refusal is shown on the
    case page with the form as typed."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("portal:feedback_case", case.pk)
    return _render_case(request, case, status=400, **{form_name: form})


@require_POST
@staff_required(Role.MANAGER)
def case_owner(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = OwnerForm(request.POST, merchant=request.merchant)

    def act(data):
        owner = form.owners.get(data["owner"]) if data["owner"] else None
        services.assign(case=case, owner=owner, actor=request.user)

    return _act(request, case, "owner_form", form, act, _("Owner saved."))


@require_POST
@staff_required(Role.MANAGER)
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = StatusForm(request.POST)

    def act(data):
        services.set_status(case=case, status=data["status"], actor=request.user)

    return _act(request, case, "status_form", form, act, _("Status saved."))


@require_POST
@staff_required(Role.MANAGER)
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = NoteForm(request.POST)

    def act(data):
        services.add_note(case=case, text=data["text"], actor=request.user)

    return _act(request, case, "note_form", form, act, _("Note added."))


@require_POST
@staff_required(Role.MANAGER)
def case_reply(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = ReplyForm(request.POST)

    def act(data):
        services.reply(case=case, text=data["text"], actor=request.user)

    return _act(request, case, "reply_form", form, act, _("Reply sent to the customer."))


@require_POST
@staff_required(Role.MANAGER)
def case_recovery(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = RecoveryForm(request.POST, merchant=request.merchant)

    def act(data):
        services.give_recovery(
            case=case, reward=data.get("reward"), points=data.get("points") or 0, actor=request.user
        )

    done = _("Recovery given. Your next reply tells the customer.")
    return _act(request, case, "recovery_form", form, act, done)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def case_resolve(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET asks for confirmation; POST resolves (refused until the customer was told)."""
    case = _case_or_404(request, case_id)
    if request.method == "POST":
        try:
            services.resolve(case=case, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Case resolved."))
        return redirect("portal:feedback_case", case.pk)
    context = {"nav": "feedback", "tab": "cases", "case": case}
    return render(request, "portal/feedback/case_resolve.html", context)
