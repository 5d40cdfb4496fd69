from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from loyalty.points.ledger import create_default_program
        from loyalty.tenancy.services import MERCHANT_CREATED_HOOKS

        # Every new merchant starts with a working program: onboarding, the command, the demo.
        if create_default_program not in MERCHANT_CREATED_HOOKS:
            MERCHANT_CREATED_HOOKS.append(create_default_program)

        # Outgoing webhooks take their events from the outbox.
        from loyalty.webhooks import checks  # noqa: F401  (registers the deploy check)
        from loyalty.webhooks.consumer import register as register_webhooks

        register_webhooks()
