"""The monthly recap by email to the merchant's owners, on the merchant's first local day of
a month (the daily job asks every merchant; `RecapEmail` makes it once a month).

The row is written before the email goes, in the same transaction, and the email is sent after
commit: a job that runs twice sends once; an SMTP failure after the row is written loses that
month's email rather than sending it twice (the page keeps every recap).
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.automations.recap import recap
from campaigns.models import RecapEmail
from loyalty.clock import local_today
from loyalty.languages import by_language
from loyalty.models import Merchant, Role, StaffMember


def owners_of(merchant: Merchant) -> list[tuple[str, str]]:
    """The owners' addresses, each with the language its owner chose (blank: none)."""
    return list(
        StaffMember.objects.filter(merchant=merchant, role=Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", "user__language")
    )


def send_recap(merchant: Merchant, now: datetime | None = None) -> bool:
    """On the merchant's first day of a month, email last month's recap; True when sent."""
    today = local_today(merchant, now)
    if today.day != 1:
        return False
    month = (today.replace(day=1) - today.resolution).replace(day=1)
    owners = owners_of(merchant)
    if not owners:
        return False
    try:
        with transaction.atomic():
            RecapEmail.objects.create(
                merchant=merchant,
                month=month,
                sent_at=now or timezone.now(),
                recipients=len(owners),
            )
    except IntegrityError:
        return False  # sent already
    # One mail per language: each owner reads it in their own, else the business's.
    for language, addresses in by_language(owners, merchant).items():
        with translation.override(language):
            context = {
                "merchant": merchant,
                "recap": recap(merchant, month),
                "month": month,
                "link": settings.SITE_URL
                + reverse("portal:campaigns_recap")
                + f"?month={month:%Y-%m}",
            }
            subject = _("%(merchant)s: your loyalty program in %(month)s") % {
                "merchant": merchant.name,
                "month": date_format(month, "YEAR_MONTH_FORMAT"),
            }
            body = render_to_string("email/campaigns/recap.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=False)
    return True


def send_all_recaps(now: datetime | None = None) -> int:
    return sum(send_recap(merchant, now) for merchant in Merchant.objects.order_by("pk"))
