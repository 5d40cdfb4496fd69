from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from loyalty.points.ledger import create_default_program
        from loyalty.tenancy.services import on_merchant_created

        # Every new merchant starts with a working program: onboarding, the command, the demo.
        on_merchant_created(create_default_program)

        # Outgoing webhooks take their events from the outbox.
        from loyalty.webhooks import checks  # noqa: F401  (registers the deploy check)
        from loyalty.webhooks.consumer import register as register_webhooks

        register_webhooks()

        # The daily statistics follow the sales, refunds, vouchers and enrolments.
        from loyalty.analytics.consumer import register as register_daily_stats

        register_daily_stats()
