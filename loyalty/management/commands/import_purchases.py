from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loyalty.analytics.cohorts import rebuild_cohorts
from loyalty.analytics.rollups import rebuild_day
from loyalty.errors import DomainError
from loyalty.models import Merchant
from members.services.history_import import HistoryReport, days_to_rebuild, import_history
from members.services.imports import decode_upload

LISTED = 100  # errors printed; the count is complete


class Command(BaseCommand):
    help = (
        "Imports a merchant's purchase history from a CSV file (customer_id,date,amount and "
        "optionally time, shop, external_id, email, phone). Checks the whole file first and "
        "imports nothing if a row is invalid. Historic purchases earn no points unless "
        "--award-points. Importing the same file again adds nothing. Then rebuilds the daily "
        "statistics of the imported days and the monthly cohorts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--award-points",
            action="store_true",
            help="award the points each purchase would have earned (one by one, slower)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and print what would change"
        )

    def handle(self, *args, **options) -> None:
        merchant = Merchant.objects.filter(slug=options["merchant"]).first()
        if merchant is None:
            raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        try:
            text = decode_upload(options["file"].read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from None
        try:
            report = import_history(
                merchant=merchant,
                text=text,
                award_points=options["award_points"],
                dry_run=options["dry_run"],
                progress=self._progress,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self._print(report)
        if not report.ok:
            raise CommandError(
                f"{report.error_count} invalid rows of {report.rows}: nothing was imported."
            )
        days = [] if report.dry_run else days_to_rebuild(merchant, report)
        for day in days:
            # Imported history writes no outbox events: its days are rebuilt here.
            rebuild_day(merchant, day)
        if days:
            rows = rebuild_cohorts(merchant)
            self.stdout.write(
                f"daily statistics rebuilt: {len(days)} days from {days[0]} to {days[-1]}; "
                f"monthly cohorts rebuilt ({rows} rows)"
            )

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"imported {done}/{total}")

    def _print(self, report: HistoryReport) -> None:
        for error in report.errors[:LISTED]:
            self.stderr.write(str(error))
        if report.error_count > LISTED:
            self.stderr.write(f"… and {report.error_count - LISTED} more")
        if report.dry_run:
            self.stdout.write("dry run: nothing was written")
        self.stdout.write(" ".join(f"{name}={value}" for name, value in report.counts().items()))
