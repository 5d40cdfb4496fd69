from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from loyalty.errors import DomainError
from loyalty.models import CURRENCIES, User
from loyalty.tenancy.services import create_merchant


class Command(BaseCommand):
    help = "Create a merchant, its first shop (“Main”) and its owner. Prints the slug."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--currency", default="EUR", choices=[code for code, _ in CURRENCIES])
        parser.add_argument("--timezone", default="Europe/Bucharest")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the business's default language: its sample tiers and rewards are written in "
            "it, and its members, staff and messages fall back to it",
        )

    def handle(self, *args, **options):
        import zoneinfo

        try:
            validate_slug(options["slug"])
            validate_email(options["owner_email"])
            zoneinfo.ZoneInfo(options["timezone"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown time zone: {options['timezone']}") from None
        email = options["owner_email"].lower()
        try:
            with transaction.atomic():
                owner = User.objects.filter(email__iexact=email).first()
                if owner is None:
                    owner = User.objects.create_user(
                        email=email, password=options["owner_password"]
                    )
                    EmailAddress.objects.create(
                        user=owner, email=email, primary=True, verified=True
                    )
                merchant = create_merchant(
                    owner=owner,
                    name=options["name"],
                    slug=options["slug"],
                    currency=options["currency"],
                    timezone_name=options["timezone"],
                    default_language=options["language"],
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(merchant.slug)
