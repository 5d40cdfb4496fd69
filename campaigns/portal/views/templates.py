"""Message templates: the list, the editor and its preview with a real member's data.

The preview follows the form as the manager types (HTMX posts the form to `template_preview`)
and renders the draft for a member found by name or card (the first member by default), in
the language chosen. The email itself shows in a sandboxed iframe: a small form in the
preview posts the draft to `template_email_preview`, whose answer has a policy of its own
(styles inline, as in a mail client; no script at all; framed only by the portal).
"""

from csp.constants import NONE, SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.messaging.render import MissingVoucher, Rendered
from campaigns.messaging.render import render as render_message
from campaigns.messaging.templates import TemplateInvalid, save_template
from campaigns.models import Channel, MessageTemplate
from campaigns.portal.template_forms import TemplateForm, variable_help
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from members.models import Member
from members.queries import search_members
from rewards.models import RewardKind, Voucher

# A voucher for previews of templates that name one (never saved: its link is the list).
SAMPLE_CODE = "PREVIEW2"


def _template_or_404(request: HttpRequest, template_id: int) -> MessageTemplate:
    return get_object_or_404(
        MessageTemplate.objects.for_merchant(request.merchant).prefetch_related("contents"),
        pk=template_id,
    )


@require_GET
@staff_required(Role.MANAGER)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = MessageTemplate.objects.for_merchant(request.merchant).annotate(
        languages=Count("contents")
    )
    context = {"templates": templates, "nav": "campaigns", "tab": "templates"}
    return render(request, "portal/campaigns/templates/list.html", context)


def _preview_member(request: HttpRequest, query: str) -> Member | None:
    members = search_members(request.merchant, query) if query else None
    if members is None:
        members = Member.objects.for_merchant(request.merchant)
    return members.select_related("tier", "merchant").order_by("joined_at", "id").first()


def _preview(request: HttpRequest, form: TemplateForm) -> dict:
    """What the preview pane shows for the form as it is now."""
    data = request.POST if request.method == "POST" else request.GET
    query = (data.get("preview_member") or "").strip()
    template, contents = form.draft()
    member = _preview_member(request, query)
    languages = [content.language for content in contents]
    asked = data.get("preview_language")
    rendered: Rendered | None = None
    problem = ""
    if member is not None and contents:
        sample = Voucher(
            merchant=request.merchant,
            code=SAMPLE_CODE,
            title=_("Sample"),
            kind=RewardKind.FREE_ITEM,
        )
        try:
            rendered = render_message(
                template,
                member,
                voucher=sample,
                language=asked if asked in languages else None,
                contents=contents,
            )
        except MissingVoucher:  # pragma: no cover - the sample is always given
            problem = _("This template needs a voucher.")
    shown = next((c for c in contents if rendered and c.language == rendered.language), None)
    return {
        "rendered": rendered,
        "problem": problem,
        "preview_member": member,
        "preview_query": query,
        "preview_languages": [(code, label) for code, label in form.languages if code in languages],
        "draft": template,
        "shown_content": shown,
        "is_email": template.channel == Channel.EMAIL,
        "is_sms": template.channel == Channel.SMS,
    }


def _editor(request: HttpRequest, form: TemplateForm, template: MessageTemplate | None):
    context = {
        "form": form,
        "template": template,
        "variables": variable_help(),
        "nav": "campaigns",
        "tab": "templates",
        **_preview(request, form),
    }
    return render(request, "portal/campaigns/templates/form.html", context)


def _save(request: HttpRequest, form: TemplateForm) -> MessageTemplate | None:
    try:
        return save_template(
            template=form.save(commit=False), contents=form.contents(), actor=request.user
        )
    except TemplateInvalid as refused:
        form.add_error(None, refused.message)
        return None


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def template_new(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None, merchant=request.merchant)
    if request.method == "POST" and form.is_valid() and (saved := _save(request, form)):
        messages.success(request, _("Template “%(name)s” created.") % {"name": saved.name})
        return redirect("portal:template_edit", template_id=saved.pk)
    return _editor(request, form, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template_or_404(request, template_id)
    form = TemplateForm(
        request.POST or None,
        instance=_template_or_404(request, template_id),  # the form edits a copy
        merchant=request.merchant,
    )
    if request.method == "POST" and form.is_valid() and (saved := _save(request, form)):
        messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
        return redirect("portal:template_edit", template_id=saved.pk)
    return _editor(request, form, template)


def _bound_form(request: HttpRequest) -> TemplateForm:
    instance = None
    if template_id := request.POST.get("template_id"):
        instance = (
            MessageTemplate.objects.for_merchant(request.merchant)
            .filter(pk=template_id if template_id.isdigit() else None)
            .first()
        )
    return TemplateForm(request.POST, instance=instance, merchant=request.merchant)


@require_POST
@staff_required(Role.MANAGER)
def template_preview(request: HttpRequest) -> HttpResponse:
    """The preview pane for the form as it is now (HTMX, on change)."""
    context = _preview(request, _bound_form(request))
    return render(request, "portal/campaigns/templates/form.html#preview", context)


@require_POST
@staff_required(Role.MANAGER)
@xframe_options_sameorigin
@csp_replace(
    {
        "default-src": [NONE],
        "script-src": [NONE],
        # A mail client's view: the email's own inlined styles, its pictures (the logo, the
        # QR code as data), nothing else; and only the portal may frame it.
        "style-src": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", "https:"],
        "frame-ancestors": [SELF],
        "form-action": [NONE],
    }
)
def template_email_preview(request: HttpRequest) -> HttpResponse:
    """The draft's email as the member would get it, for the preview's sandboxed iframe."""
    context = _preview(request, _bound_form(request))
    rendered = context["rendered"]
    if rendered is None or not context["is_email"]:
        return render(request, "portal/campaigns/templates/email_empty.html", context)
    return HttpResponse(rendered.html)
