"""Hit counters over fixed windows, atomic on every database: the limits of join attempts, SMS
code sends, API requests per key, failed voucher look-ups and receipt claims.

A hit is one `INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits` on the
`RateCounter` row of (key, window): PostgreSQL and SQLite (3.35 or later) both run it as one
atomic statement, so thirty parallel hits count thirty, whatever the cache backend (Django's
database cache reads, then writes, and lets parallel requests through). Windows are aligned on
the clock (a 15-minute window starts at :00, :15, …); rows of ended windows are pruned daily.

Every key names its merchant where one is known, so one merchant's traffic never uses up
another merchant's limit, even from the same address. A hit inside a caller's transaction
shares that transaction's fate: count a failure before the transaction that would roll it back.
"""

import hashlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import F

from loyalty.compiled import bound_cursor
from loyalty.models.ratelimit import RateCounter

T = TypeVar("T")

_KEY_LENGTH = RateCounter._meta.get_field("key").max_length


def _stored_key(key: str) -> str:
    # Keys carry addresses and phone numbers; one too long for the column keeps a readable
    # head and a digest of the whole.
    if len(key) <= _KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: _KEY_LENGTH - len(digest) - 1]}#{digest}"


def _window_start(window_seconds: int, now: float) -> datetime:
    return datetime.fromtimestamp(int(now) // window_seconds * window_seconds, tz=UTC)


@dataclass(frozen=True)
class Hit:
    """One counted hit: the count it made in its window, and how to take it back."""

    key: str
    window_start: datetime
    window_seconds: int
    count: int

    @property
    def retry_after(self) -> int:
        """Whole seconds until this window ends (at least 1)."""
        ends = self.window_start.timestamp() + self.window_seconds
        return max(1, math.ceil(ends - time.time()))

    def release(self) -> None:
        """Uncount this hit (a look-up that turned out not to be a failure), in its own window
        only, never below zero."""
        RateCounter.objects.filter(key=self.key, window_start=self.window_start, hits__gt=0).update(
            hits=F("hits") - 1
        )


def take(key: str, window_seconds: int) -> Hit:
    """Count one more hit on `key` in the current window, atomically; the hit made."""
    now = time.time()
    stored = _stored_key(key)
    start = _window_start(window_seconds, now)
    expires = start + timedelta(seconds=window_seconds)
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_col, start_col, expires_col, hits_col = (
        quote(RateCounter._meta.get_field(name).column)
        for name in ("key", "window_start", "expires_at", "hits")
    )
    # Only identifiers from the model's _meta, quoted, go into the text; values are parameters.
    sql = (
        f"INSERT INTO {table} ({key_col}, {start_col}, {expires_col}, {hits_col}) "  # noqa: S608
        f"VALUES (%s, %s, %s, 1) "
        f"ON CONFLICT ({key_col}, {start_col}) DO UPDATE SET {hits_col} = {table}.{hits_col} + 1 "
        f"RETURNING {hits_col}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with bound_cursor() as cursor:  # prepared on PostgreSQL: every API request runs it
        cursor.execute(sql, [stored, adapt(start), adapt(expires)])
        (count,) = cursor.fetchone()
    return Hit(key=stored, window_start=start, window_seconds=window_seconds, count=count)


def hit(key: str, window_seconds: int) -> int:
    """Count one more hit on `key`; returns the count in the current window."""
    return take(key, window_seconds).count


def count(key: str, window_seconds: int) -> int:
    """The hits on `key` in the current window so far, without counting one."""
    return (
        RateCounter.objects.filter(
            key=_stored_key(key), window_start=_window_start(window_seconds, time.time())
        )
        .values_list("hits", flat=True)
        .first()
        or 0
    )


def prune() -> int:
    """Forget the counters of windows that ended; returns how many rows went."""
    deleted, _by_model = RateCounter.objects.filter(
        expires_at__lte=datetime.fromtimestamp(time.time(), tz=UTC)
    ).delete()
    return deleted


@dataclass(frozen=True)
class FailureLimit:
    """At most `limit` failed attempts per scope and window, at one merchant.

    For look-ups of bearer secrets by code (voucher codes, receipt claim codes): each scope
    (the staff member, the API key, the member, the address) is counted before the attempt
    runs, so parallel attempts cannot all slip past the limit; a refused attempt, or one that
    was not a failure (the code was right), is uncounted again. Once any scope is at the
    limit, attempts from it are refused until its window ends.
    """

    name: str
    limit: int
    window_seconds: int

    def key(self, merchant_id: int | None, scope: str) -> str:
        return f"{self.name}:m{merchant_id or '-'}:{scope}"

    def blocked(self, merchant_id: int | None, scope: str) -> bool:
        return count(self.key(merchant_id, scope), self.window_seconds) >= self.limit

    def guarded(
        self,
        *,
        merchant_id: int | None,
        scopes: Iterable[str],
        attempt: Callable[[], T],
        is_failure: Callable[[Exception], bool],
        refused: Callable[[int], Exception],
    ) -> T:
        """Run `attempt` unless a scope is over the limit (raise `refused(retry_after)`); keep
        the attempt counted against every scope if it raised a failure."""
        # One transaction for all scopes, rows locked in a fixed order: attempts sharing a scope
        # take their turns, so every scope's count agrees on who was first; a refused attempt
        # rolls its hits back and uses up nothing.
        with transaction.atomic():
            hits = [
                take(self.key(merchant_id, scope), self.window_seconds)
                for scope in sorted({scope for scope in scopes if scope})
            ]
            over = [h for h in hits if h.count > self.limit]
            if over:
                raise refused(max(h.retry_after for h in over))
        keep = False
        try:
            return attempt()
        except Exception as error:
            keep = is_failure(error)
            raise
        finally:
            if not keep:
                for one in hits:
                    one.release()
