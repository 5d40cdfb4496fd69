"""django-q2 entry points of the rewards app; thin wrappers over its services."""

from rewards import expiry
from rewards.engagement import club, stamps


def expire_vouchers() -> int:
    return expiry.expire_vouchers()


def expire_stamps() -> int:
    return stamps.expire_stamps()


def run_club_dates() -> tuple[int, int]:
    return club.run_club_dates()
