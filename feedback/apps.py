from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # Feedback listens to the core through the outbox; the core never imports it.
        from feedback.cases.services import open_case_on_event
        from feedback.demo.seed import seed_feedback
        from feedback.surveys.invitations import invite_on_purchase
        from feedback.surveys.links import surveys_probe
        from loyalty.demo.seed import register_demo_finishing_step
        from loyalty.events import register_consumer
        from loyalty.points.hooks import register_sale_probe

        # A purchase invites its member to the active survey (sampled, once per cooldown).
        register_consumer("purchase.recorded", invite_on_purchase)
        register_sale_probe("surveys", surveys_probe)
        # A detractor's answer or a negative comment opens its case (once per answer).
        register_consumer("feedback.received", open_case_on_event)
        # After the campaigns' finishing step: the demo's history and messages exist.
        register_demo_finishing_step(seed_feedback)
