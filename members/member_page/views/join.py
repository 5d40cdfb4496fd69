"""The join page, and the card shown once to a person who joined with a phone number only."""

from urllib.parse import urlencode

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.errors import ValidationFailed
from loyalty.models import Merchant
from loyalty.tenancy.adapters import JOIN_MAIL_ATTRIBUTE
from members.devices import device_id
from members.member_page.access import join_allowed, merchant_page, render_member_page
from members.member_page.forms import HONEYPOT, JoinForm
from members.member_page.queries import join_offer
from members.member_page.shell import card_context, page_url
from members.models import Member, MemberSource, MemberStatus
from members.services import enrolment as enrolment_mod
from members.services import signin
from members.services.enrolment import enrol_member
from members.sms import sms_configured

JOINED_CARD_KEY = "fidela_joined_card"


# Where each enrolment error belongs on the join form.
ERROR_FIELDS = {
    "invalid_email": "email",
    "invalid_phone": "phone",
    "invalid_birthday": "birth_day",
    "contact_required": "email",
    "unknown_referral": "referral_code",
}


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    if request.method == "GET":
        form = JoinForm(merchant=merchant, initial={"referral_code": request.GET.get("ref", "")})
        return _join_page(request, merchant, {"form": form})

    if not join_allowed(request, merchant):
        return render_member_page(request, "member/members/join_limited.html", merchant, status=429)
    if request.POST.get(HONEYPOT):
        # A bot: it is told what a person would be told, and nothing is created.
        return render_member_page(request, "member/members/join_thanks.html", merchant)
    form = JoinForm(request.POST, merchant=merchant)
    if form.is_valid():
        data = form.cleaned_data
        email = data["email"].strip()
        try:
            member = enrol_member(
                merchant=merchant,
                email=email,
                phone=data["phone"],
                first_name=data["first_name"],
                birthday=form.birthday_text() or None,
                source=MemberSource.JOIN_PAGE,
                email_marketing=data["email_marketing"],
                sms_marketing=data["sms_marketing"],
                consent_wording=form.consent_text(),
                referral_code=data["referral_code"],
                device_id=device_id(request),
                language=translation.get_language(),
            )
        except enrolment_mod.DuplicateMember as duplicate:
            return _after_duplicate(request, merchant, form, email, duplicate)
        except ValidationFailed as exc:
            form.add_error(ERROR_FIELDS.get(exc.code), exc.message)
        else:
            return _after_join(request, merchant, member)
    return _join_page(request, merchant, {"form": form}, status=400)


def _join_page(
    request: HttpRequest, merchant: Merchant, context: dict, status: int = 200
) -> HttpResponse:
    """The join form with what joining gives (the welcome bonus, the first reward)."""
    context = {**join_offer(merchant), **context}
    return render_member_page(request, "member/members/join.html", merchant, context, status=status)


def _after_join(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    if member.user_id is None:
        # Joined with a phone number only: no sign-in account, so the card is shown once here.
        request.session[JOINED_CARD_KEY] = member.pk
        return redirect(page_url("welcome", merchant))
    if request.user.is_authenticated and request.user.pk == member.user_id:
        messages.success(request, _("Welcome to %(merchant)s!") % {"merchant": merchant.name})
        return redirect(page_url("card", merchant))
    return _check_your_email(request, merchant, member.email, mail="joined")


def _after_duplicate(
    request: HttpRequest,
    merchant: Merchant,
    form: JoinForm,
    email: str,
    duplicate: enrolment_mod.DuplicateMember,
) -> HttpResponse:
    """The contact has a card here already. Nothing about that card reaches this page."""
    if request.user.is_authenticated and request.user.pk == duplicate.member.user_id:
        # Signed in to the very account of that card: the person proved it already.
        messages.info(request, _("You have a card here already."))
        return redirect(page_url("card", merchant))
    if email:
        mail = "already_member" if duplicate.field == "email" else "contact_taken"
        return _check_your_email(request, merchant, email, mail=mail)
    # A phone number alone: nothing to mail, and the phone is not proved either. The page
    # does not say whose number it is; the card itself opens only with the texted code.
    context = {"form": form, "not_joined": True, "sms_sign_in": sms_configured()}
    return _join_page(request, merchant, context, status=400)


def _check_your_email(
    request: HttpRequest, merchant: Merchant, email: str, *, mail: str
) -> HttpResponse:
    """The one answer to every join with an email: "enter the code we mailed you".

    Whether the address is new, a member here already, or an account of some other merchant
    or of staff, this page sees the same redirect to allauth's code page. Only the mail
    differs, and it goes to the owner of the address. Nobody is signed in until the code
    comes back: typing an address proves nothing. When it is the phone given with the address
    that has a card here, the mail carries no code: the address has no card here to open.
    """
    user = signin.prepare_code_sign_in(email) if mail != "contact_taken" else None
    setattr(request, JOIN_MAIL_ATTRIBUTE, mail)
    LoginCodeVerificationProcess.initiate(request=request, user=user, email=email.lower())
    confirm_url = reverse("account_confirm_login_code")
    return redirect(f"{confirm_url}?{urlencode({'next': page_url('card', merchant)})}")


@never_cache
@merchant_page
@require_GET
def welcome(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """The card of a person who just joined with a phone number only (this browser's join)."""
    member = (
        Member.objects.for_merchant(merchant)
        .filter(pk=request.session.get(JOINED_CARD_KEY) or 0)
        .exclude(status=MemberStatus.ANONYMIZED)
        .first()
    )
    if member is None:
        return redirect(page_url("join", merchant))
    return render_member_page(
        request,
        "member/members/welcome.html",
        merchant,
        {"member": member, "sms_sign_in": sms_configured(), **card_context(member)},
    )
