from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from loyalty.models import Merchant, Shop
from loyalty.tenancy.services import create_api_key, create_shop


class Command(BaseCommand):
    help = (
        "Create an API key for a shop (the shop is created if it does not exist). "
        "Prints the key alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="the merchant's slug")
        parser.add_argument("--shop", required=True, help="the shop's name")
        parser.add_argument("--name", default="", help="a label for the key, e.g. Till 1")

    def handle(self, *args, **options):
        merchant = Merchant.objects.filter(slug=options["merchant"]).first()
        if merchant is None:
            raise CommandError(f"No merchant with the slug {options['merchant']!r}.")
        with transaction.atomic():
            shop = Shop.objects.for_merchant(merchant).filter(name=options["shop"]).first()
            if shop is None:
                shop = create_shop(merchant=merchant, actor=None, name=options["shop"])
                self.stdout.write(f"Created the shop {shop.name!r}.")
            if shop.is_archived:
                raise CommandError(f"The shop {shop.name!r} is archived.")
            _key, raw = create_api_key(
                merchant=merchant, shop=shop, actor=None, name=options["name"]
            )
        self.stdout.write(raw)
