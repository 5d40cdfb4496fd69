"""Domain errors: values with a stable code and a human message.

Views turn them into form errors, the API into 4xx answers carrying the code.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code: str = "domain_error"
    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None, *, code: str | None = None, **params):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.params = params
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    code = "invalid"
    default_message = _("The input is not valid.")


class NotAllowed(DomainError):
    code = "not_allowed"
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    code = "conflict"
    default_message = _("This conflicts with the current state.")
