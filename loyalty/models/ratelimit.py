"""Hit counters of the rate limits (loyalty.ratelimit): one row per key and window."""

from django.db import models


class RateCounter(models.Model):
    """How many hits `key` had in the fixed window that starts at `window_start`.

    Written only by `loyalty.ratelimit` with one atomic upsert, so parallel hits are all
    counted. The key names the limit, the merchant and the scope (staff member, API key,
    address); rows of ended windows are pruned daily (`loyalty.tasks.prune_rate_counters`).
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    expires_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_window")
        ]
        indexes = [models.Index(fields=["expires_at"], name="rate_counter_expiry")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M:%S}: {self.hits}"
