"""The portal shell (the dashboard, the merchant switcher), where a sign-in lands, onboarding,
invitations and the health check."""

import logging
from functools import wraps
from urllib.parse import urlencode

from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.internal.flows.email_verification_by_code import EmailVerificationProcess
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty import queries
from loyalty.errors import DomainError
from loyalty.http import posted_id
from loyalty.models import Role, User
from loyalty.portal.forms.settings import OnboardingForm, SetPasswordForm
from loyalty.staff_flags import recent_flag_count
from loyalty.tenancy import services as tenancy
from loyalty.tenancy.middleware import POS_SHOP_SESSION_KEY, SESSION_KEY
from loyalty.tenancy.permissions import staff_required
from loyalty.tenancy.services import create_merchant, email_verified, find_invitation
from members.services.signin import prepare_code_sign_in

logger = logging.getLogger(__name__)


def _home_for(staff) -> str:
    return "pos:home" if staff.role == Role.CASHIER else "portal:dashboard"


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Where a sign-in lands: onboarding, the POS or the portal, by role."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.staff is None:
        # A customer, not staff: their card page (the first merchant they joined).
        card = (
            request.user.member_cards.exclude(status="anonymized")
            .select_related("merchant")
            .order_by("joined_at", "pk")
            .first()
        )
        if card is not None:
            return redirect("member:card", merchant_slug=card.merchant.slug)
        return redirect("onboarding")
    return redirect(_home_for(request.staff))


def _verify_email_first(request: HttpRequest, next_url: str) -> HttpResponse:
    """Mail a code to the signed-in account's address, and ask for it before going on."""
    user = prepare_code_sign_in(request.user.email)
    address = EmailAddress.objects.get(user=user, email__iexact=user.email)
    pending = EmailVerificationProcess.resume(request)
    # A code mailed a moment ago still works; asking again would only hit allauth's limit.
    if pending is None or pending.state.get("email", "").lower() != address.email.lower():
        send_verification_email_to_address(request, address)
    messages.info(
        request,
        _("Confirm your email address first: we sent a code to %(email)s.") % {"email": user.email},
    )
    return redirect(f"{reverse('account_email_verification_sent')}?{urlencode({'next': next_url})}")


def verified_email_required(view):
    """Signed in, to an account whose address was proved; else the code that proves it.

    A member's account is made from an address someone typed (the join page, the till), so
    being signed in to it is not yet proof that the address is the person's.
    """

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not email_verified(request.user):
            return _verify_email_first(request, request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _spoken_language(request: HttpRequest) -> str:
    """The language this page speaks, if Fidela speaks it, else `LANGUAGE_CODE`."""
    spoken = translation.get_language() or ""
    return spoken if spoken in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@verified_email_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    form = OnboardingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            merchant = create_merchant(
                owner=request.user,
                name=data["name"],
                slug=data["slug"],
                currency=data["currency"],
                timezone_name=data["timezone"],
                shop_name=data["shop_name"],
                shop_address=data["shop_address"],
                # The business speaks, to begin with, the language its owner reads it in.
                default_language=_spoken_language(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[SESSION_KEY] = merchant.pk
            messages.success(
                request, _("Welcome to Fidela, %(name)s is ready.") % {"name": merchant.name}
            )
            return redirect("portal:dashboard")
    return render(request, "portal/onboarding.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = find_invitation(token)
    if invitation is None:
        raise Http404
    context = {"invitation": invitation}
    if not invitation.is_open:
        return render(request, "portal/invitation_closed.html", context, status=410)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    user = request.user if request.user.is_authenticated else None
    form = None
    if user is None and existing is None:
        form = SetPasswordForm(request.POST or None, email=invitation.email)
    context.update({"form": form, "existing": existing, "signed_in_as": user})

    if request.method == "POST":
        if user is None and existing is not None:
            return redirect(f"{_login_url()}?next={request.path}")
        # Signed in to the invited address, which must have been proved (the service says
        # so too); another address is told by the service which one was invited.
        invited = user is not None and user.email.lower() == invitation.email.lower()
        if invited and not email_verified(user, invitation.email):
            return _verify_email_first(request, request.path)
        if form is not None and not form.is_valid():
            return render(request, "portal/invitation.html", context, status=400)
        try:
            if form is not None:
                staff = tenancy.accept_invitation_with_new_account(
                    invitation=invitation, password=form.cleaned_data["password1"]
                )
            else:
                staff = tenancy.accept_invitation(invitation=invitation, user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(request, "portal/invitation.html", context, status=400)
        if form is not None:
            login(request, staff.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = staff.merchant_id
        messages.success(
            request, _("You joined %(merchant)s.") % {"merchant": invitation.merchant.name}
        )
        return redirect(_home_for(staff))
    return render(request, "portal/invitation.html", context)


def _login_url() -> str:
    from django.urls import reverse

    return reverse("account_login")


@require_POST
@staff_required(Role.CASHIER)
def switch_merchant(request: HttpRequest) -> HttpResponse:
    staff = get_object_or_404(
        request.user.memberships.select_related("merchant"),
        merchant_id=posted_id(request, "merchant"),
    )
    request.session[SESSION_KEY] = staff.merchant_id
    request.session.pop(POS_SHOP_SESSION_KEY, None)
    messages.info(request, _("You are now working in %(name)s.") % {"name": staff.merchant.name})
    return redirect(_home_for(staff))


@require_GET
@staff_required(Role.CASHIER)
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.staff.role == Role.CASHIER:
        return redirect("pos:home")
    figures = queries.dashboard_figures(request.merchant)
    if request.staff.is_owner:
        figures["staff_flags"] = recent_flag_count(request.merchant)
    return render(request, "portal/dashboard.html", {"nav": "dashboard", **figures})


# --- Health ----------------------------------------------------------------------------------


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the task queue answer, 503 naming what does not.

    The answer is public: it names the failing part and the kind of error; the details
    (host names, messages) go to the log only.
    """
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # a health check reports every failure, whatever its kind
        logger.warning("healthz: database check failed: %s", exc)
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        broker.ping()
        broker.queue_size()
        checks["task_queue"] = "ok"
    except Exception as exc:
        logger.warning("healthz: task queue check failed: %s", exc)
        checks["task_queue"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
