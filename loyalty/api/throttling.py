"""Requests per API key: the merchant's rate a second, with bursts of twice that.

A fixed window of `BURST_SECONDS` per key admits `BURST_SECONDS * rate` requests: a quiet key
may send twice its rate at once, and on average no more than its rate. The count is
loyalty.ratelimit's atomic counter in the database, shared by every web process, so parallel
requests are all counted. The rate is the merchant's setting, never above the platform's
`API_RATE_MAX`, whatever was stored before that maximum existed.
"""

from rest_framework.throttling import BaseThrottle

from loyalty import ratelimit

BURST_SECONDS = 2
KEY_PREFIX = "api-rate"


class KeyRateThrottle(BaseThrottle):
    def __init__(self):
        self._wait: float | None = None

    def allow_request(self, request, view) -> bool:
        key = request.auth
        if key is None:
            return True
        rate = key.merchant.api_rate
        counted = ratelimit.take(f"{KEY_PREFIX}:m{key.merchant_id}:k{key.pk}", BURST_SECONDS)
        if counted.count > BURST_SECONDS * rate:
            self._wait = counted.retry_after
            return False
        return True

    def wait(self) -> float | None:
        if self._wait is None:
            return None
        return float(self._wait)
