from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self) -> None:
        from loyalty.demo.points import register_demo_redeemer
        from loyalty.demo.seed import register_demo_step
        from loyalty.events import register_consumer
        from loyalty.points.earning import register_promotion
        from loyalty.points.hooks import (
            register_sale_hook,
            register_sale_probe,
            register_undo_hook,
        )
        from loyalty.tenancy.services import on_merchant_created
        from rewards.catalogue import create_sample_rewards
        from rewards.demo import (
            redeem_at_visit,
            seed_challenges,
            seed_club,
            seed_rewards,
            seed_stamp_cards,
            seed_streaks,
        )
        from rewards.engagement.challenges import (
            challenges_probe,
            count_sale_challenges,
            on_referral_rewarded,
            on_survey_answered,
        )
        from rewards.engagement.club import (
            cancel_club_sale,
            club_promotion,
            clubs_probe,
            count_club_sale,
        )
        from rewards.engagement.stamps import (
            count_sale_stamps,
            stamp_cards_probe,
            take_back_sale_stamps,
        )
        from rewards.engagement.streaks import (
            count_sale_visit,
            step_back_reversed_sale,
            streaks_probe,
        )

        # After the default program and its tiers (the loyalty app registers first).
        on_merchant_created(create_sample_rewards)
        register_demo_step(seed_rewards)
        register_demo_step(seed_stamp_cards)
        register_demo_step(seed_club)
        register_demo_step(seed_streaks)
        register_demo_step(seed_challenges)
        register_demo_redeemer(redeem_at_visit)
        # Stamps are counted in the sale's transaction, under the member's lock.
        register_sale_hook(count_sale_stamps)
        # Each hook's and source's "has the merchant any?" rides on the sale's figures read.
        register_sale_probe("stamp_cards", stamp_cards_probe)
        register_sale_probe("streaks", streaks_probe)
        register_sale_probe("challenges", challenges_probe)
        register_sale_probe("clubs", clubs_probe)
        register_undo_hook(take_back_sale_stamps)
        # The paid club: its product's lines start terms; its members earn its multiplier.
        register_sale_hook(count_club_sale)
        register_undo_hook(cancel_club_sale)
        register_promotion(club_promotion)
        # Visits count on the streak in the same transaction, under the same lock.
        register_sale_hook(count_sale_visit)
        register_undo_hook(step_back_reversed_sale)
        # Challenges read their progress from the sales not reversed: no undo hook (see
        # rewards.engagement.challenges); referrals and survey answers come through the outbox.
        register_sale_hook(count_sale_challenges)
        register_consumer("referral.rewarded", on_referral_rewarded)
        register_consumer("feedback.received", on_survey_answered)
