from django.core.management.base import BaseCommand, CommandError

from loyalty.models import Merchant
from rewards.engagement.stamps import differences


class Command(BaseCommand):
    help = (
        "Count every member's stamp cards from their stamp rows; print the cards whose cached "
        "count differs and exit non-zero if any does (the sibling of reconcile_points)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", help="only this merchant's cards (slug)")

    def handle(self, *args, **options):
        merchant = None
        if options["merchant"]:
            merchant = Merchant.objects.filter(slug=options["merchant"]).first()
            if merchant is None:
                raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        found = 0
        for diff in differences(merchant):
            found += 1
            self.stdout.write(
                f"member card #{diff.member_card_id}: {diff.cached} stamps cached, "
                f"{diff.counted} in its rows"
            )
        if found:
            raise CommandError(f"{found} stamp card(s) differ from their stamps.")
        self.stdout.write(self.style.SUCCESS("Every stamp card matches its stamps."))
