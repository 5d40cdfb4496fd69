"""The vouchers' clock: issued vouchers past their date expire, and those about to are announced
once (`voucher.expiring`). Run hourly by rewards.tasks.expire_vouchers (loyalty/schedules.py).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from loyalty.events import emit
from rewards.models import Voucher, VoucherStatus

EXPIRY_NOTICE_DAYS = 3


def expire_vouchers(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Issued vouchers past their date become expired; those expiring soon are announced once.

    Safe to run twice: each step only touches rows still in the state it changes.
    """
    now = now or timezone.now()
    expired = Voucher.objects.filter(status=VoucherStatus.ISSUED, expires_at__lte=now).update(
        status=VoucherStatus.EXPIRED
    )
    soon = now + timedelta(days=EXPIRY_NOTICE_DAYS)
    while True:
        with transaction.atomic():
            due = list(
                Voucher.objects.select_for_update(skip_locked=True)
                .filter(
                    status=VoucherStatus.ISSUED,
                    expires_at__gt=now,
                    expires_at__lte=soon,
                    expiry_notified_at__isnull=True,
                )
                .order_by("id")[:batch]
            )
            if not due:
                break
            for merchant_id in sorted({voucher.merchant_id for voucher in due}):
                emit(
                    merchant_id,
                    [
                        ("voucher.expiring", _expiring(voucher))
                        for voucher in due
                        if voucher.merchant_id == merchant_id
                    ],
                    now,
                )
            Voucher.objects.filter(pk__in=[v.pk for v in due]).update(expiry_notified_at=now)
        if len(due) < batch:
            break
    return expired


def _expiring(voucher: Voucher) -> dict:
    return {
        "voucher": voucher.pk,
        "code": voucher.code,
        "member": voucher.member_id,
        "expires_at": voucher.expires_at.isoformat(),
    }
