"""The member's pages at /m/<merchant-slug>/: the join page, sign-in, the card, history,
profile and consents, one-click unsubscribe, and the GDPR pair (download, delete).

Thin views: `member_access` resolves the merchant and the signed-in person's card; the
services in `members.services` do every write.
"""

import json
from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty.errors import DomainError, ValidationFailed
from loyalty.models import Merchant
from loyalty.points.ledger import get_program
from loyalty.points.purchases import claim_purchase
from loyalty.tenancy.adapters import JOIN_MAIL_ATTRIBUTE
from members.branding import brand_colours
from members.devices import device_id
from members.history import with_notes
from members.member_page.access import (
    forget_phone_card,
    join_allowed,
    member_required,
    merchant_page,
    render_member_page,
    sign_in_by_phone,
    viewer_card,
)
from members.member_page.forms import (
    HONEYPOT,
    ClaimForm,
    JoinForm,
    MemberLoginForm,
    PhoneLoginForm,
    ProfileForm,
    SmsCodeForm,
    consent_wording,
)
from members.member_page.queries import (
    card_qr_svg,
    card_summary,
    grouped_card_number,
    member_ledger,
    member_purchases,
)
from members.models import ConsentChannel, Member, MemberSource, MemberStatus
from members.services import consents as consents_mod
from members.services import enrolment as enrolment_mod
from members.services import signin
from members.services.consents import FIELDS as CONSENT_FIELDS
from members.services.consents import UNSUBSCRIBE_SALT, set_consent
from members.services.enrolment import enrol_member
from members.services.gdpr import anonymize_member, export_member_data
from members.services.profile import update_profile
from members.services.signin import prepare_code_sign_in
from members.services.sms_signin import SmsSignInError, request_sms_code, verify_sms_code
from members.sms import sms_configured
from members.throttle import ClaimThrottled, guarded_claim

# The phone an SMS code was asked for, per merchant, until the code comes back.
SMS_PHONE_KEY = "fidela_member_sms_phone"
JOINED_CARD_KEY = "fidela_joined_card"
HISTORY_PAGE_SIZE = 20
# Where each enrolment error belongs on the join form.
ERROR_FIELDS = {
    "invalid_email": "email",
    "invalid_phone": "phone",
    "invalid_birthday": "birth_day",
    "contact_required": "email",
    "unknown_referral": "referral_code",
}


def _url(name: str, merchant: Merchant, **kwargs) -> str:
    return reverse(f"member:{name}", kwargs={"merchant_slug": merchant.slug, **kwargs})


_page = render_member_page


def _card_context(member: Member) -> dict:
    return {
        "qr_svg": card_qr_svg(member, _("QR code of your card, to scan at the till")),
        "card_number": grouped_card_number(member.card_number),
    }


# --- Join --------------------------------------------------------------------------------------


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    if request.method == "GET":
        form = JoinForm(merchant=merchant, initial={"referral_code": request.GET.get("ref", "")})
        return _page(request, "member/members/join.html", merchant, {"form": form})

    if not join_allowed(request, merchant):
        return _page(request, "member/members/join_limited.html", merchant, status=429)
    if request.POST.get(HONEYPOT):
        # A bot: it is told what a person would be told, and nothing is created.
        return _page(request, "member/members/join_thanks.html", merchant)
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
            )
        except enrolment_mod.DuplicateMember as duplicate:
            return _after_duplicate(request, merchant, form, email, duplicate)
        except ValidationFailed as exc:
            form.add_error(ERROR_FIELDS.get(exc.code), exc.message)
        else:
            return _after_join(request, merchant, member)
    return _page(request, "member/members/join.html", merchant, {"form": form}, status=400)


def _after_join(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    if member.user_id is None:
        # Joined with a phone number only: no sign-in account, so the card is shown once here.
        request.session[JOINED_CARD_KEY] = member.pk
        return redirect(_url("welcome", merchant))
    if request.user.is_authenticated and request.user.pk == member.user_id:
        messages.success(request, _("Welcome to %(merchant)s!") % {"merchant": merchant.name})
        return redirect(_url("card", merchant))
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
        return redirect(_url("card", merchant))
    if email:
        mail = "already_member" if duplicate.field == "email" else "contact_taken"
        return _check_your_email(request, merchant, email, mail=mail)
    # A phone number alone: nothing to mail, and the phone is not proved either. The page
    # does not say whose number it is; the card itself opens only with the texted code.
    context = {"form": form, "not_joined": True, "sms_sign_in": sms_configured()}
    return _page(request, "member/members/join.html", merchant, context, status=400)


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
    return redirect(f"{confirm_url}?{urlencode({'next': _url('card', merchant)})}")


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
        return redirect(_url("join", merchant))
    return _page(
        request,
        "member/members/welcome.html",
        merchant,
        {"member": member, "sms_sign_in": sms_configured(), **_card_context(member)},
    )


# --- Sign-in -----------------------------------------------------------------------------------


def _next_url(request: HttpRequest, merchant: Merchant) -> str:
    """Where to land after the code: the page asked for, if it is one of this merchant's."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    home = _url("card", merchant)
    if wanted.startswith(home) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return home


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def member_login(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """An email field; the code itself is allauth's login by code, which then lands on `next`."""
    next_url = _next_url(request, merchant)
    if viewer_card(merchant, request) is not None:
        return redirect(next_url)
    if request.user.is_authenticated:
        # Signed in, but this account has no card here: say so rather than show another card.
        return _page(request, "member/members/login.html", merchant, {"no_card_here": True})

    form = MemberLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Accounts made at the till have no allauth address row yet; the code flow needs one.
        prepare_code_sign_in(form.cleaned_data["email"])
        # allauth sends the code (or, for an unknown address, a mail saying so, so that the
        # page tells nobody who is a member), and goes on to its confirmation page with `next`.
        return allauth_views.request_login_code(request)
    return _page(
        request,
        "member/members/login.html",
        merchant,
        {"form": form, "next_url": next_url, **_phone_option()},
        status=400 if form.errors else 200,
    )


def _phone_option(form: PhoneLoginForm | None = None) -> dict:
    """The phone sign-in form, where SMS is configured; nothing otherwise."""
    if not sms_configured():
        return {}
    return {"phone_form": form or PhoneLoginForm(auto_id="id_signin_%s")}


@never_cache
@merchant_page
@require_POST
def login_phone(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """Texts a code to the phone if it is a member's here; the answer is the same if not."""
    if not sms_configured():
        raise Http404
    next_url = _next_url(request, merchant)
    form = PhoneLoginForm(request.POST, auto_id="id_signin_%s")
    if form.is_valid():
        try:
            phone = request_sms_code(
                merchant=merchant,
                phone=form.cleaned_data["phone"],
                ip=get_adapter().get_client_ip(request),
            )
        except (ValidationFailed, SmsSignInError) as exc:
            form.add_error("phone", exc.message)
        else:
            phones = dict(request.session.get(SMS_PHONE_KEY, {}))
            phones[str(merchant.pk)] = phone
            request.session[SMS_PHONE_KEY] = phones
            code_url = _url("login_sms", merchant)
            return redirect(f"{code_url}?{urlencode({'next': next_url})}")
    return _page(
        request,
        "member/members/login.html",
        merchant,
        {"form": MemberLoginForm(), "next_url": next_url, **_phone_option(form)},
        status=400,
    )


@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def login_sms(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """The code from the SMS; right, it opens the card of this merchant in this browser."""
    phone = request.session.get(SMS_PHONE_KEY, {}).get(str(merchant.pk))
    if not sms_configured() or not phone:
        return redirect(_url("login", merchant))
    next_url = _next_url(request, merchant)
    form = SmsCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = verify_sms_code(merchant=merchant, phone=phone, code=form.cleaned_data["code"])
        except SmsSignInError as exc:
            form.add_error("code", exc.message)
        else:
            sign_in_by_phone(request, member)
            phones = dict(request.session.get(SMS_PHONE_KEY, {}))
            phones.pop(str(merchant.pk), None)
            request.session[SMS_PHONE_KEY] = phones
            messages.success(request, _("You are signed in."))
            return redirect(next_url)
    return _page(
        request,
        "member/members/login_sms.html",
        merchant,
        {"form": form, "next_url": next_url, "phone": phone},
        status=400 if form.errors else 200,
    )


@merchant_page
@require_POST
def member_logout(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """Ends the browser's session: an account's sign-in and any card opened by SMS code."""
    logout(request)
    return redirect(_url("login", merchant))


# --- The card, history, profile -----------------------------------------------------------------


@never_cache
@member_required
@require_GET
def card(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    return _page(
        request,
        "member/members/card.html",
        merchant,
        {"member": member, "nav": "card", **_card_context(member), **card_summary(member)},
    )


@never_cache
@member_required
@require_GET
def history(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    purchases = Paginator(member_purchases(member), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("purchases")
    )
    entries = Paginator(member_ledger(member), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("entries")
    )
    entries.object_list = with_notes(entries.object_list)
    return _page(
        request,
        "member/members/history.html",
        merchant,
        {
            "member": member,
            "nav": "history",
            "purchases": purchases,
            "entries": entries,
            "program": get_program(merchant),
            "tz": merchant.timezone,
        },
    )


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    """A receipt of a sale made without the card, claimed with the code printed on it."""
    form = ClaimForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            result = guarded_claim(
                member=member,
                ip=get_adapter().get_client_ip(request) or "",
                claim=lambda: claim_purchase(member=member, code=form.cleaned_data["code"]),
            )
        except ClaimThrottled as exc:
            form.add_error("code", exc.message)
            status, retry_after = 429, exc.retry_after
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Receipt claimed: %(points)s point collected.",
                    "Receipt claimed: %(points)s points collected.",
                    result.points_earned,
                )
                % {"points": result.points_earned},
            )
            return redirect(_url("history", merchant))
    response = _page(
        request,
        "member/members/claim.html",
        merchant,
        {"member": member, "nav": "history", "form": form},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _consents(merchant: Merchant, member: Member) -> list[dict]:
    channels = [ConsentChannel.EMAIL] + ([ConsentChannel.SMS] if member.phone else [])
    return [
        {
            "channel": channel,
            "label": channel.label,
            "granted": getattr(member, CONSENT_FIELDS[channel]),
            "wording": consent_wording(merchant, channel),
        }
        for channel in channels
    ]


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    form = ProfileForm.for_member(member, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        birthday = form.birthday_text() if form.birthday_changed() else ""
        try:
            member = update_profile(
                member=member,
                actor=request.user if request.user.is_authenticated else None,
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                birthday=birthday or "",
            )
        except ValidationFailed as exc:
            form.add_error("birth_day", exc.message)
        else:
            if birthday and member.pending_birthday_from:
                messages.success(
                    request,
                    _("Saved. Your new birthday counts from %(date)s.")
                    % {"date": date_format(member.pending_birthday_from)},
                )
            else:
                messages.success(request, _("Your profile is saved."))
            return redirect(_url("profile", merchant))
    referral_url = request.build_absolute_uri(_url("join", merchant))
    return _page(
        request,
        "member/members/profile.html",
        merchant,
        {
            "member": member,
            "nav": "profile",
            "form": form,
            "consents": _consents(merchant, member),
            "referral_url": f"{referral_url}?ref={member.referral_code}",
        },
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def consent(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    """One button per channel: turns it on or off, with the wording shown next to it."""
    channel = request.POST.get("channel", "")
    shown = {row["channel"]: row for row in _consents(merchant, member)}
    if channel not in shown:
        raise Http404
    granted = request.POST.get("granted") == "on"
    set_consent(
        member=member,
        channel=channel,
        granted=granted,
        source="member_page",
        wording=shown[channel]["wording"],
    )
    label = shown[channel]["label"]
    if granted:
        messages.success(request, _("%(channel)s: on. Thank you!") % {"channel": label})
    else:
        messages.success(request, _("%(channel)s: off.") % {"channel": label})
    return redirect(_url("profile", merchant) + "#consents")


# --- Unsubscribe -------------------------------------------------------------------------------


def _unsubscribe_target(merchant: Merchant, token: str) -> tuple[Member, str]:
    """The member and channel a signed link names, if the member is this merchant's."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        member_id, channel = int(data["m"]), data["c"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404 from None
    member = Member.objects.for_merchant(merchant).filter(pk=member_id).first()
    if member is None or channel not in CONSENT_FIELDS:
        raise Http404
    return member, channel


# Mail clients send the one-click unsubscribe (RFC 8058) as a POST without any cookie: the
# signed token is the proof, so there is no CSRF token to check.
@csrf_exempt
@never_cache
@merchant_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, merchant: Merchant, token: str) -> HttpResponse:
    member, channel = _unsubscribe_target(merchant, token)
    context = {"channel_label": ConsentChannel(channel).label, "token": token}
    if request.method == "POST":
        consents_mod.unsubscribe(token)
        return _page(request, "member/members/unsubscribed.html", merchant, context)
    context["already_off"] = not getattr(member, CONSENT_FIELDS[channel])
    return _page(request, "member/members/unsubscribe.html", merchant, context)


# --- GDPR: download and delete -------------------------------------------------------------------


@never_cache
@member_required
@require_GET
def data_export(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    response = JsonResponse(
        export_member_data(member),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="{merchant.slug}-my-data.json"'
    return response


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest, merchant: Merchant, member: Member) -> HttpResponse:
    other_cards = request.user.is_authenticated and (
        Member.objects.filter(user=request.user)
        .exclude(pk=member.pk)
        .exclude(status=MemberStatus.ANONYMIZED)
        .exists()
    )
    if request.method == "POST":
        # No actor: the audit trail must not keep the person's account next to the erasure.
        anonymize_member(
            member=member, actor=None, reason=_("Deleted by the member on the member page")
        )
        other_cards = forget_phone_card(request, merchant) or other_cards
        if not other_cards:
            logout(request)
        return _page(request, "member/members/deleted.html", merchant, {"other_cards": other_cards})
    return _page(
        request,
        "member/members/delete.html",
        merchant,
        {"member": member, "nav": "profile", "other_cards": other_cards},
    )


# --- Add to home screen ------------------------------------------------------------------------


@merchant_page
@require_GET
def manifest(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    colours = brand_colours(merchant)
    data = {
        "name": merchant.name,
        "short_name": merchant.name[:12],
        "description": _("Your %(merchant)s loyalty card") % {"merchant": merchant.name},
        "start_url": _url("card", merchant),
        "scope": _url("card", merchant),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": colours["brand"],
        "icons": [
            {
                "src": _url("icon", merchant),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


@merchant_page
@require_GET
def icon(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """A square of the brand colour with the merchant's initial, for the home screen."""
    return render(
        request,
        "member/members/icon.svg",
        {"initial": (merchant.name[:1] or "F").upper(), **brand_colours(merchant)},
        content_type="image/svg+xml",
    )
