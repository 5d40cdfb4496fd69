from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Campaigns listen to the core (outbox consumers, promotions, demo steps); the core
        # never imports campaigns. Each part registers its hooks here.
        from campaigns.automations.triggers import EVENT_TRIGGERS, enter_on_event
        from campaigns.demo import seed_campaigns, seed_promotions, seed_segments
        from campaigns.promotions.earning import promotions_for_sale, promotions_probe
        from campaigns.promotions.services import follow_merge as promotions_follow_merge
        from campaigns.segments.tags import follow_merge as tags_follow_merge
        from loyalty.demo.seed import register_demo_finishing_step, register_demo_step
        from loyalty.events import register_consumer
        from loyalty.points.earning import register_promotion
        from loyalty.points.hooks import register_sale_probe

        for event_type in EVENT_TRIGGERS:
            register_consumer(event_type, enter_on_event)
        register_promotion(promotions_for_sale)
        register_sale_probe("promotions", promotions_probe)
        # A merged duplicate's own multipliers and tags follow it to the surviving card.
        register_consumer("member.merged", promotions_follow_merge)
        register_consumer("member.merged", tags_follow_merge)
        # After the points' step (the loyalty app registers first): the history exists.
        register_demo_step(seed_segments)
        register_demo_step(seed_promotions)
        # After the statistics and the scores: the win-back reads the members at risk.
        register_demo_finishing_step(seed_campaigns)
