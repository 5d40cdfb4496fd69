"""A count of hits per key over a fixed window, in the shared cache (database or Redis), so it
holds across processes: join attempts, SMS code sends, failed voucher look-ups."""

from django.core.cache import cache


def hit(key: str, window_seconds: int) -> int:
    """Count one more hit on `key`; returns the count in the current window."""
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window_seconds)
        return 1
