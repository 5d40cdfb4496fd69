"""What a staff view needs is declared on the view: `@staff_required(Role.MANAGER)`."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from loyalty.models import Role


def staff_required(role: str = Role.CASHIER):
    """The signed-in user must be staff of the current merchant with at least `role`.

    Not signed in: the login page. Signed in but staff nowhere: onboarding. Below the role: 403
    (within the merchant the page exists, the person may not use it). Objects of another
    merchant are a 404, because views load them through `request.merchant`.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.staff is None:
                return redirect("onboarding")
            if not request.staff.has_role(role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_role = role
        return wrapper

    return decorator
