"""Quick enrolment at the till: a phone or an email, a first name, consents unticked."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from loyalty.errors import DomainError
from loyalty.models import Role, Shop
from loyalty.pos import services as pos_services
from loyalty.pos.forms import (
    EnrolForm,
)
from loyalty.pos.shell import (
    INVALID,
    current_shop,
    member_context,
    pos_view,
    remember_found,
    render_panel,
    with_new_token,
)
from loyalty.staff_flags import record_identification
from members.models import Member
from members.services.consents import ticked, wording_at_the_till
from members.services.enrolment import DuplicateMember, enrol_member


@require_http_methods(["GET", "POST"])
@pos_view(Role.CASHIER)
def enrol(request: HttpRequest) -> HttpResponse:
    """Quick enrolment: a phone or an email, a first name, consents unticked by default."""
    shop = current_shop(request)
    if request.method == "GET":
        return render_panel(request, "enrol", {"enrol_form": EnrolForm(initial=contact_from(""))})
    form = EnrolForm(request.POST)
    duplicate = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            once = pos_services.run_once(
                merchant=request.merchant,
                user=request.user,
                token=data["token"],
                action="enrol",
                perform=lambda: _enrolled(request, shop, data),
            )
        except DuplicateMember as exc:
            # Typing their phone or email found them: the same as a search, and counted so.
            duplicate = exc.member
            record_identification(shop=shop, member=duplicate, actor=request.user)
            remember_found(request, duplicate)
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            new = get_object_or_404(
                Member.objects.for_merchant(request.merchant).select_related("tier", "merchant"),
                pk=once.result["member"],
            )
            remember_found(request, new)
            return render_panel(
                request, "member", member_context(new, enrolled=True, replayed=once.replayed)
            )
    return render_panel(
        request,
        "enrol",
        {"enrol_form": with_new_token(form), "duplicate": duplicate},
        status=INVALID,
    )


def _enrolled(request: HttpRequest, shop: Shop, data: dict) -> dict:
    member = enrol_member(
        merchant=request.merchant,
        email=data["email"],
        phone=data["phone"],
        first_name=data["first_name"],
        shop=shop,
        actor=request.user,
        email_marketing=data["email_marketing"],
        sms_marketing=data["sms_marketing"],
        consent_wording=wording_at_the_till(request.merchant, ticked(data)),
    )
    return {"member": member.pk}


def contact_from(text: str) -> dict:
    """What the enrolment form can start from: the phone or the email the cashier typed."""
    text = text.strip()
    if "@" in text:
        return {"email": text}
    if sum(ch.isdigit() for ch in text) >= 6 and not text.upper().startswith("FDL"):
        return {"phone": text}
    return {}
