"""The member's sign-in account: the email address allauth's login by code works with."""

from allauth.account.models import EmailAddress
from django.db import transaction

from loyalty.models import User


@transaction.atomic
def prepare_code_sign_in(email: str) -> User | None:
    """The account an email signs in to, with an allauth address row for that email.

    Accounts made at enrolment (`account_for_email`) have none, and without one allauth
    cannot mark the address proved when the emailed code comes back: mandatory verification
    would then stop the sign-in. The row starts unverified; entering the code verifies it.
    """
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        return None
    if not EmailAddress.objects.filter(user=user, email__iexact=email).exists():
        EmailAddress.objects.create(
            user=user,
            email=email,
            primary=not EmailAddress.objects.filter(user=user, primary=True).exists(),
            verified=False,
        )
    return user
