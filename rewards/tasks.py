"""django-q2 entry points of the rewards app; thin wrappers over its services."""

from rewards import services


def expire_vouchers() -> int:
    return services.expire_vouchers()
