from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self) -> None:
        from loyalty.demo.seed import DEMO_STEPS
        from loyalty.tenancy.services import MERCHANT_CREATED_HOOKS
        from rewards.catalogue import create_sample_rewards
        from rewards.demo import seed_rewards

        # After the default program and its tiers (the loyalty app registers first).
        if create_sample_rewards not in MERCHANT_CREATED_HOOKS:
            MERCHANT_CREATED_HOOKS.append(create_sample_rewards)
        if seed_rewards not in DEMO_STEPS:
            DEMO_STEPS.append(seed_rewards)
        from loyalty.demo.points import DEMO_REDEEMERS
        from rewards.demo import redeem_at_visit

        if redeem_at_visit not in DEMO_REDEEMERS:
            DEMO_REDEEMERS.append(redeem_at_visit)
