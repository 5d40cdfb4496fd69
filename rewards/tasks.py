"""django-q2 entry points of the rewards app; thin wrappers over its services."""

from rewards import expiry
from rewards.engagement import stamps


def expire_vouchers() -> int:
    return expiry.expire_vouchers()


def expire_stamps() -> int:
    return stamps.expire_stamps()
