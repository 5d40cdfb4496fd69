from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loyalty.analytics.clv import TooLittleData, fit_bgnbd, fit_gamma_gamma
from loyalty.analytics.clv_data import customer_summary
from loyalty.analytics.scores import score_members
from loyalty.clock import local_today
from loyalty.models import Merchant


class Command(BaseCommand):
    help = (
        "Fits the CLV models (BG/NBD for repeat purchases, Gamma-Gamma for spend) on one "
        "merchant's purchases and prints their parameters."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument(
            "--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: the merchant's today)"
        )
        parser.add_argument(
            "--save",
            action="store_true",
            help="also store every member's score, as the nightly job does",
        )

    def handle(self, *args, **options) -> None:
        merchant = Merchant.objects.filter(slug=options["merchant"]).first()
        if merchant is None:
            raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        as_of = options["as_of"] or local_today(merchant)
        data = customer_summary(merchant, as_of)
        self.stdout.write(f"customers={len(data.x)}")
        try:
            bgnbd = fit_bgnbd(data.x, data.t_x, data.T)
        except TooLittleData as exc:
            raise CommandError(f"Too little data to fit BG/NBD as of {as_of}: {exc}") from None
        self.stdout.write(
            f"bgnbd r={bgnbd.r:.6g} alpha={bgnbd.alpha:.6g} a={bgnbd.a:.6g} b={bgnbd.b:.6g} "
            f"log_likelihood={bgnbd.log_likelihood:.6f}"
        )
        try:
            spend = fit_gamma_gamma(data.x, data.m)
        except TooLittleData as exc:
            raise CommandError(f"Too little data to fit Gamma-Gamma as of {as_of}: {exc}") from None
        self.stdout.write(
            f"gamma_gamma p={spend.p:.6g} q={spend.q:.6g} gamma={spend.gamma:.6g} "
            f"repeaters={data.repeaters}"
        )
        if options["save"]:
            self.stdout.write(f"scored={score_members(merchant, as_of).scored}")
