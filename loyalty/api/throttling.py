"""Requests per API key: the merchant's rate a second, with bursts of twice that.

A generic cell rate algorithm (GCRA): one number per key in the shared cache, the theoretical
arrival time of the next request. It admits `rate` requests a second on average and up to
`BURST_SECONDS * rate` at once after a quiet spell. Web processes share nothing else, so the
state is in the cache (the database cache by default, Redis when configured). Two processes
reading the same value at the same instant may both admit a request: at most a request or two
beyond the limit, which is fine for a limit that protects the server, not the ledger.
"""

import math
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

BURST_SECONDS = 2
CACHE_PREFIX = "api-rate:"


class KeyRateThrottle(BaseThrottle):
    def __init__(self):
        self._wait: float | None = None

    def allow_request(self, request, view) -> bool:
        key = request.auth
        if key is None:
            return True
        rate = max(1, key.merchant.api_requests_per_second)
        interval = 1.0 / rate
        burst = BURST_SECONDS * rate * interval  # seconds of credit a quiet key builds up
        now = time.time()
        cache_key = f"{CACHE_PREFIX}{key.pk}"
        arrival = max(float(cache.get(cache_key) or 0.0), now)
        if arrival - now > burst - interval:
            self._wait = arrival - now - (burst - interval)
            return False
        cache.set(cache_key, arrival + interval, timeout=math.ceil(burst) + 60)
        return True

    def wait(self) -> float | None:
        if self._wait is None:
            return None
        return float(max(1, math.ceil(self._wait)))
