from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loyalty.api.demo import DEMO_API_KEY, demo_key
from loyalty.demo.seed import DEMO_LOGINS, seed_demo


class Command(BaseCommand):
    help = "Create the demo merchant with its shops, staff and data (once) and print the sign-ins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo's passwords and till key are public).",
        )

    def handle(self, *args, **options):
        # The demo creates staff with a published password and a till key printed in the README:
        # on a production server that is an open door. pytest runs like development here, as for
        # the development secret key in config/settings.py.
        if not (settings.DEBUG or getattr(settings, "TESTING", False) or options["force"]):
            raise CommandError(
                "seed_demo creates accounts with a known password and a published API key, and "
                "DEBUG is off: this looks like a production server. Run it with DEBUG=true, or "
                "pass --force if you really want the demo here."
            )
        merchant, created = seed_demo(stdout=self.stdout)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created the demo merchant “{merchant.name}”."))
        else:
            self.stdout.write(f"The demo merchant “{merchant.name}” exists already.")
        self.stdout.write("")
        self.stdout.write(f"  Portal: {settings.SITE_URL}/portal/")
        self.stdout.write(f"  POS:    {settings.SITE_URL}/pos/")
        self.stdout.write("  Sign in with:")
        for login in DEMO_LOGINS:
            self.stdout.write(f"    {login.role:<8} {login.email:<22} password: {login.password}")
        key = demo_key(merchant)
        if key is not None:
            self.stdout.write(f"  Shop API: {settings.SITE_URL}/api/v1/docs/")
            self.stdout.write(f"    {key.shop.name} till's key: {DEMO_API_KEY}")
            self.stdout.write(f"    connect a till: {settings.SITE_URL}/portal/settings/api/")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            # Sign-in codes and the campaigns' messages: where to read them.
            self.stdout.write(f"  Emails are written to {settings.EMAIL_FILE_PATH}/")
