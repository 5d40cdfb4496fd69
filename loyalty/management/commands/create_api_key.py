from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from loyalty.management.speaking import add_language_argument, speaking
from loyalty.models import Merchant, Shop
from loyalty.tenancy.services import create_api_key, create_shop


class Command(BaseCommand):
    help = (
        "Create an API key for a shop (the shop is created if it does not exist). "
        "Prints the key alone on the last line; the other lines speak the merchant's language."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument("--shop", required=True, help="the shop's name")
        parser.add_argument("--name", default="", help="a label for the key, e.g. Till 1")
        add_language_argument(parser)

    def handle(self, *args, **options):
        merchant = Merchant.objects.filter(slug=options["merchant"]).first()
        if merchant is None:
            with speaking(options):
                raise CommandError(
                    _("No merchant with the slug %(slug)r.") % {"slug": options["merchant"]}
                )
        with speaking(options, merchant), transaction.atomic():
            shop = Shop.objects.for_merchant(merchant).filter(name=options["shop"]).first()
            if shop is None:
                shop = create_shop(merchant=merchant, actor=None, name=options["shop"])
                self.stdout.write(_("Created the shop %(shop)r.") % {"shop": shop.name})
            if shop.is_archived:
                raise CommandError(_("The shop %(shop)r is archived.") % {"shop": shop.name})
            _key, raw = create_api_key(
                merchant=merchant, shop=shop, actor=None, name=options["name"]
            )
        self.stdout.write(raw)
