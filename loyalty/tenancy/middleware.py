"""Resolves `request.merchant` and `request.staff` once per request for staff users."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from loyalty.languages import speak
from loyalty.models import StaffMember

SESSION_KEY = "fidela_merchant_id"
# The shop a manager or an owner works at on the POS, for the session (a cashier has their own).
POS_SHOP_SESSION_KEY = "fidela_pos_shop_id"
# Paths where a merchant that requires two-factor authentication enforces it.
STAFF_PREFIXES = ("/portal/", "/pos/")


def staff_memberships(user):
    return StaffMember.objects.select_related("merchant__program", "shop").filter(user=user)


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = None
        request.staff = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            wanted = request.session.get(SESSION_KEY)
            memberships = staff_memberships(user).order_by("merchant__name", "pk")
            staff = None
            if wanted is not None:
                staff = memberships.filter(merchant_id=wanted).first()
            if staff is None:
                staff = memberships.first()
            if staff is not None:
                request.staff = staff
                request.merchant = staff.merchant
                speak(request, staff.merchant, user.language)
                if wanted != staff.merchant_id:
                    request.session[SESSION_KEY] = staff.merchant_id
                if self._needs_mfa(request, staff):
                    messages.warning(
                        request,
                        _(
                            "%(merchant)s requires two-factor authentication. "
                            "Set up an authenticator app to continue."
                        )
                        % {"merchant": staff.merchant.name},
                    )
                    return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(request, staff: StaffMember) -> bool:
        if not staff.merchant.require_mfa or not request.path.startswith(STAFF_PREFIXES):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
