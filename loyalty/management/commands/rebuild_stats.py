from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loyalty.analytics.cohorts import rebuild_cohorts
from loyalty.analytics.rollups import rebuild
from loyalty.clock import local_today
from loyalty.models import Merchant


class Command(BaseCommand):
    help = (
        "Recomputes one merchant's daily statistics from the raw rows, from --since (default: "
        "its first activity) to its today, then its monthly cohorts (always all of them: a cohort "
        "is the month of a member's first purchase). Safe to run again: each day and the "
        "cohorts are replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument(
            "--since", type=date.fromisoformat, help="YYYY-MM-DD (default: the first activity)"
        )

    def handle(self, *args, **options) -> None:
        merchant = Merchant.objects.filter(slug=options["merchant"]).first()
        if merchant is None:
            raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        today = local_today(merchant)
        since = options["since"]
        if since is not None and since > today:
            raise CommandError(f"--since {since} is after the merchant's today ({today}).")
        done = rebuild(merchant, since, today)
        self.stdout.write(
            f"{merchant.slug}: rebuilt {done.days} days from {done.first_day} to "
            f"{done.last_day} ({done.rows} rows)"
        )
        rows = rebuild_cohorts(merchant)
        self.stdout.write(f"{merchant.slug}: rebuilt the monthly cohorts ({rows} rows)")
