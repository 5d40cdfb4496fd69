from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # Feedback listens to the core through the outbox; the core never imports it.
        from feedback.cases.services import open_case_on_event
        from loyalty.events import register_consumer

        # A detractor's answer or a negative comment opens its case (once per answer).
        register_consumer("feedback.received", open_case_on_event)
