from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.management.speaking import add_language_argument, speaking
from loyalty.models import Merchant
from loyalty.points.reconcile import differences


class Command(BaseCommand):
    help = (
        "Recompute every member's points caches from the ledger; print the members that "
        "differ and exit non-zero if any does. With --merchant, the merchant's language."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", help="only this merchant's members (slug)")
        add_language_argument(parser)

    def handle(self, *args, **options):
        merchant = None
        if options["merchant"]:
            merchant = Merchant.objects.filter(slug=options["merchant"]).first()
            if merchant is None:
                with speaking(options):
                    raise CommandError(
                        _("No merchant with the slug %(slug)r.") % {"slug": options["merchant"]}
                    )
        with speaking(options, merchant):
            self._report(merchant)

    def _report(self, merchant: Merchant | None) -> None:
        found = 0
        members = set()
        for diff in differences(merchant):
            found += 1
            members.add(diff.member_id)
            self.stdout.write(
                _(
                    "member %(card)s (#%(id)s): %(field)s is %(cached)s, "
                    "the ledger says %(expected)s"
                )
                % {
                    "card": diff.card_number,
                    "id": diff.member_id,
                    "field": diff.field,
                    "cached": diff.cached,
                    "expected": diff.expected,
                }
            )
        if found:
            raise CommandError(
                ngettext(
                    "%(count)d member differs from the ledger.",
                    "%(count)d members differ from the ledger.",
                    len(members),
                )
                % {"count": len(members)}
            )
        self.stdout.write(self.style.SUCCESS(_("Every member's caches match the ledger.")))
