"""Rule segments in the portal: the list (each row's count fetched on its own), the builder
(new and edit, HTMX re-drawing the rules and the count as they change, a plain form without
JavaScript), the count endpoints and deleting with a confirmation."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import Segment
from campaigns.portal.segment_form import (
    FIELD_CHOICES,
    apply_action,
    builder_view,
    tree_from_post,
)
from campaigns.segments import services
from campaigns.segments.rules import InvalidRules, clean_tree, matching
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required

PREVIEW_SIZE = 20
NEW_TREE = {"match": "all", "rules": []}


def _segment(request: HttpRequest, segment_id: int) -> Segment:
    return get_object_or_404(Segment.objects.for_merchant(request.merchant), pk=segment_id)


def count_context(request: HttpRequest, tree: dict) -> dict:
    """The live count and the first members of a tree (two queries), or why there is none."""
    cleaned = clean_tree(request.merchant, tree)
    if not cleaned.ok:
        return {"count": None, "preview": [], "invalid": True}
    members = matching(request.merchant, cleaned.tree)
    preview = list(
        members.order_by("-joined_at", "-pk").only(
            "pk", "first_name", "last_name", "email", "phone", "card_number"
        )[:PREVIEW_SIZE]
    )
    count = members.count()
    return {"count": count, "preview": preview, "invalid": False}


@require_http_methods(["GET"])
@staff_required(Role.MANAGER)
def segment_list(request: HttpRequest) -> HttpResponse:
    """The list draws at once; each row's count comes in its own request (HTMX, on load), so
    ten segments over a million members never hold the page for ten counts."""
    segments = Segment.objects.for_merchant(request.merchant).order_by("name")
    context = {"segments": segments, "nav": "campaigns", "tab": "segments"}
    return render(request, "portal/campaigns/segments/list.html", context)


@require_http_methods(["GET"])
@staff_required(Role.MANAGER)
def segment_members(request: HttpRequest, segment_id: int) -> HttpResponse:
    """One saved segment's member count now (the list's cell), or why there is none."""
    segment = _segment(request, segment_id)
    if not request.htmx:
        return redirect("portal:segment_edit", segment_id=segment.pk)  # its page counts too
    try:
        count = matching(request.merchant, segment.rules).count()
    except InvalidRules:
        count = None
    context = {"segment": segment, "count": count}
    return render(request, "portal/campaigns/segments/list.html#members", context)


def _builder(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    """The builder page for a new or saved segment: GET draws it, POST applies an action
    (add, remove, refresh) or saves; an HTMX POST answers only the builder partial."""
    if request.method == "GET":
        tree = segment.rules if segment and segment.rules else dict(NEW_TREE)
        name = segment.name if segment else ""
        description = segment.description if segment else ""
    else:
        tree = tree_from_post(request.POST)
        name = request.POST.get("name", "")
        description = request.POST.get("description", "")
    action = request.POST.get("action", "")
    form_error = ""
    if request.method == "POST" and action == "save":
        try:
            saved = services.save_segment(
                merchant=request.merchant,
                actor=request.user,
                name=name,
                description=description,
                rules=tree,
                segment=segment,
            )
        except InvalidRules:
            form_error = _("Some rules need fixing; see the messages next to them.")
        except DomainError as error:
            form_error = error.message
        else:
            messages.success(request, _("Segment “%(name)s” saved.") % {"name": saved.name})
            return redirect("portal:segments")
    elif action:
        tree = apply_action(tree, action)
    cleaned = clean_tree(request.merchant, tree)
    context = {
        "segment": segment,
        "name": name,
        "description": description,
        "builder": builder_view(request.merchant, tree, cleaned),
        "fields": FIELD_CHOICES,
        "form_error": form_error,
        "nav": "campaigns",
        "tab": "segments",
        "live": bool(request.htmx),
        "post_url": request.path,
    }
    if request.htmx and action != "save":
        return render(request, "portal/campaigns/segments/form.html#builder", context)
    context.update(count_context(request, tree))
    status = 400 if form_error else 200
    return render(request, "portal/campaigns/segments/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def segment_new(request: HttpRequest) -> HttpResponse:
    return _builder(request, None)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    return _builder(request, _segment(request, segment_id))


@require_POST
@staff_required(Role.MANAGER)
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count of the posted builder form and its first members (HTMX)."""
    context = count_context(request, tree_from_post(request.POST))
    return render(request, "portal/campaigns/segments/form.html#count", context)


@require_http_methods(["GET", "POST"])
@staff_required(Role.MANAGER)
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment(request, segment_id)
    if request.method == "POST":
        services.delete_segment(segment=segment, actor=request.user)
        messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
        return redirect("portal:segments")
    context = {"segment": segment, "nav": "campaigns", "tab": "segments"}
    return render(request, "portal/campaigns/segments/delete.html", context)
