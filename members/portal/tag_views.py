"""Tags on a member, from the member's page in the portal (the tags that rule segments match;
the service is campaigns.segments.tags)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from campaigns.segments.tags import add_tag, remove_tag
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.tenancy.permissions import staff_required
from members.models import Member


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_object_or_404(Member.objects.for_merchant(request.merchant), pk=member_id)


@require_POST
@staff_required(Role.MANAGER)
def member_tag_add(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    try:
        add_tag(member=member, tag=request.POST.get("tag", ""), actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("portal:member", member.pk)


@require_POST
@staff_required(Role.MANAGER)
def member_tag_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member(request, member_id)
    remove_tag(member=member, tag=request.POST.get("tag", ""), actor=request.user)
    return redirect("portal:member", member.pk)
