from django.core.management.base import BaseCommand, CommandError

from loyalty.models import Merchant
from loyalty.points.reconcile import differences


class Command(BaseCommand):
    help = (
        "Recompute every member's points caches from the ledger; print the members that "
        "differ and exit non-zero if any does."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", help="only this merchant's members (slug)")

    def handle(self, *args, **options):
        merchant = None
        if options["merchant"]:
            merchant = Merchant.objects.filter(slug=options["merchant"]).first()
            if merchant is None:
                raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        found = 0
        members = set()
        for diff in differences(merchant):
            found += 1
            members.add(diff.member_id)
            self.stdout.write(
                f"member {diff.card_number} (#{diff.member_id}): {diff.field} is "
                f"{diff.cached}, the ledger says {diff.expected}"
            )
        if found:
            raise CommandError(f"{len(members)} member(s) differ from the ledger.")
        self.stdout.write(self.style.SUCCESS("Every member's caches match the ledger."))
