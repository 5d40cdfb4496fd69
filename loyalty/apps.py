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

        # A request's language ends with it: speak() and the API activate the reader's language
        # for the thread, and what runs next in that thread (a task run synchronously, a
        # command, the next test) must not inherit it.
        from django.core.signals import request_finished

        request_finished.connect(_forget_the_language, dispatch_uid="fidela-forget-language")


def _forget_the_language(**_kwargs) -> None:
    from django.utils import translation

    translation.deactivate()
