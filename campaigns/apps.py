from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Campaigns listen to the core (outbox consumers, promotions, demo steps); the core
        # never imports campaigns. Each part registers its hooks here.
        from campaigns.demo import seed_segments
        from loyalty.demo.seed import register_demo_step

        # After the points' step (the loyalty app registers first): the history exists.
        register_demo_step(seed_segments)
