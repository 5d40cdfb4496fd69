from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # Feedback listens to the core through the outbox; the core never imports it.
        from feedback.surveys.invitations import invite_on_purchase
        from loyalty.events import register_consumer

        # A purchase invites its member to the active survey (sampled, once per cooldown).
        register_consumer("purchase.recorded", invite_on_purchase)
