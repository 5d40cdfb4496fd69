from django.core.management.base import BaseCommand

from loyalty.schedules import SCHEDULES, sync_schedules


class Command(BaseCommand):
    help = "Writes the background jobs of loyalty/schedules.py to django-q2 (safe to run again)."

    def handle(self, *args, **options) -> None:
        written, removed = sync_schedules()
        self.stdout.write(
            f"{len(SCHEDULES)} schedules: {written} written, {removed} removed that are gone."
        )
