"""The shop API's own state: stored answers to requests carrying an Idempotency-Key."""

from django.db import models
from django.utils import timezone as dj_timezone

from loyalty.models.tenancy import ApiKey, Merchant, TenantQuerySet


class IdempotencyState(models.TextChoices):
    STARTED = "started", "started"
    DONE = "done", "done"


class IdempotencyRecord(models.Model):
    """One request of one key under one Idempotency-Key: while it runs, then its answer.

    The key's owner (the API key) scopes the Idempotency-Key, so two tills may pick the same
    one. `fingerprint` hashes the owner, the method, the path and the body: a repeat with
    another body is refused. Rows older than the retention are replaced on the next use and
    pruned by `loyalty.api.idempotency.prune`.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(
        max_length=8, choices=IdempotencyState, default=IdempotencyState.STARTED
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # The answer's bytes as sent, so a repeat is identical to the first answer.
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
