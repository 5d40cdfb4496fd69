"""`manage.py recompute_rfm --merchant SLUG [--as-of YYYY-MM-DD]`: what the nightly job does for
one merchant. It lives here, not in the campaigns app: the management commands are an entry
point of the layers, which may import the campaigns' segments."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.segments.affinity import recompute_affinity
from campaigns.segments.rfm import recompute_rfm
from loyalty.clock import local_today
from loyalty.models import Merchant


class Command(BaseCommand):
    help = (
        "Recomputes one merchant's RFM scores, named segments (and that day's segment counts) "
        "and category affinity from its purchases, as of its today or --as-of. Safe to run "
        "again: the rows are replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help="YYYY-MM-DD: score as of that day (default: the merchant's today)",
        )

    def handle(self, *args, **options) -> None:
        merchant = Merchant.objects.filter(slug=options["merchant"]).first()
        if merchant is None:
            raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        today = local_today(merchant)
        day = options["as_of"] or today
        if day > today:
            raise CommandError(f"--as-of {day} is after the merchant's today ({today}).")
        scored = recompute_rfm(merchant, day)
        rows = recompute_affinity(merchant, day)
        self.stdout.write(
            f"{merchant.slug}: RFM scores of {scored} members and {rows} category shares "
            f"as of {day}"
        )
