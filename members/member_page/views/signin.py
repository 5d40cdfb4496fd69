"""Signing in to the member page: by a code mailed (allauth's login by code) or texted, and out."""

from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from loyalty.errors import ValidationFailed
from loyalty.models import Merchant
from loyalty.tenancy.adapters import member_signed_in_message
from members.member_page.access import (
    merchant_page,
    render_member_page,
    sign_in_by_phone,
    viewer_card,
)
from members.member_page.forms import MemberLoginForm, PhoneLoginForm, SmsCodeForm
from members.member_page.shell import page_url
from members.services.signin import prepare_code_sign_in
from members.services.sms_signin import SmsSignInError, request_sms_code, verify_sms_code
from members.sms import sms_configured

# The phone an SMS code was asked for, per merchant, until the code comes back.
SMS_PHONE_KEY = "fidela_member_sms_phone"


def _next_url(request: HttpRequest, merchant: Merchant) -> str:
    """Where to land after the code: the page asked for, if it is one of this merchant's."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    home = page_url("card", merchant)
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
        return render_member_page(
            request, "member/members/login.html", merchant, {"no_card_here": True}
        )

    form = MemberLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Accounts made at the till have no allauth address row yet; the code flow needs one.
        prepare_code_sign_in(form.cleaned_data["email"])
        # allauth sends the code (or, for an unknown address, a mail saying so, so that the
        # page tells nobody who is a member), and goes on to its confirmation page with `next`.
        return allauth_views.request_login_code(request)
    return render_member_page(
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
            code_url = page_url("login_sms", merchant)
            return redirect(f"{code_url}?{urlencode({'next': next_url})}")
    return render_member_page(
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
        return redirect(page_url("login", merchant))
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
            messages.success(request, member_signed_in_message(merchant))
            return redirect(next_url)
    return render_member_page(
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
    return redirect(page_url("login", merchant))
