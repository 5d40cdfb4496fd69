"""django-q2 entry points of the rewards app; thin wrappers over its services."""

from rewards import expiry


def expire_vouchers() -> int:
    return expiry.expire_vouchers()
