"""The purchase history import of the members pages: upload and preview, start, progress and
report. The import itself is `members.services.history_uploads` (and, behind it, the service
`manage.py import_purchases` uses)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from members.models import PurchaseHistoryImport
from members.portal.forms import HistoryStartForm, HistoryUploadForm
from members.services.history_uploads import create_history_import, start_history_import

RECENT = 20


def _import_or_404(request: HttpRequest, import_id: int, *defer: str) -> PurchaseHistoryImport:
    imports = PurchaseHistoryImport.objects.for_merchant(request.merchant)
    return get_object_or_404(imports.select_related("created_by").defer(*defer), pk=import_id)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def history_upload(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            history_import = create_history_import(
                merchant=merchant, actor=request.user, filename=upload.name, data=upload.read()
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("portal:member_history_import", history_import_id=history_import.pk)
    recent = (
        PurchaseHistoryImport.objects.for_merchant(merchant)
        .select_related("created_by")
        .defer("csv")[:RECENT]
    )
    context = {"form": form, "imports": recent, "nav": "members", "tab": "history"}
    return render(request, "portal/members/history_upload.html", context)


@staff_required(Role.MANAGER)
def history_detail(request: HttpRequest, history_import_id: int) -> HttpResponse:
    """The preview before the import; the progress bar and the report after it.

    An HTMX poll renders only the progress; it polls until the import is finished.
    """
    history_import = _import_or_404(request, history_import_id, "csv")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    context = {
        "history_import": history_import,
        "start_form": HistoryStartForm(),
        "nav": "members",
        "tab": "history",
    }
    template = "portal/members/history_import.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@require_POST
@staff_required(Role.MANAGER)
def history_start(request: HttpRequest, history_import_id: int) -> HttpResponse:
    history_import = _import_or_404(request, history_import_id, "csv")
    form = HistoryStartForm(request.POST)
    form.is_valid()  # a lone optional checkbox: always valid, unticked when absent
    try:
        start_history_import(
            history_import=history_import,
            actor=request.user,
            award_points=form.cleaned_data.get("award_points", False),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:member_history_import", history_import_id=history_import.pk)
