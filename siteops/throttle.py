"""Failed-attempt throttles (logins, account linking, reset mails) that hold across instances.

Counts live in the ``limits`` library's storage named by RATELIMIT_STORAGE_URI (memory, or
Redis shared by every instance) and are touched only where a view asks: a request that never
throttles (a token, a discovery document) pays nothing, where a per-request limiter hook would
cost every request a lookup.
"""
import time

from flask import current_app
from limits import parse
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

# A Redis that stops answering must not hold a login for long: faults.py turns it into a 503.
REDIS_TIMEOUT_SECONDS = 2


class Throttle:
    """``init_app(app)`` binds it; ``checks`` are (limit, key) pairs such as
    ("5 per 15 minutes", "login:account:a@example.com")."""

    def init_app(self, app):
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        options = {}
        if uri.startswith(("redis://", "rediss://")):
            options = {"socket_timeout": REDIS_TIMEOUT_SECONDS, "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}
        app.extensions["throttle"] = {
            "limiter": FixedWindowRateLimiter(storage_from_string(uri, **options)),
            "prefix": app.config.get("RATELIMIT_KEY_PREFIX") or app.name,
        }

    @staticmethod
    def _state():
        return current_app.extensions["throttle"]

    def _items(self, checks):
        prefix = self._state()["prefix"]
        return [(parse(limit), f"{prefix}/{key}") for limit, key in checks]

    def retry_after(self, checks):
        """Seconds until another attempt is allowed, or 0 when it is allowed now."""
        limiter = self._state()["limiter"]
        items = self._items(checks)
        counts = _counts(limiter.storage, [item.key_for(key) for item, key in items])
        wait = 0
        for (item, key), count in zip(items, counts, strict=True):
            if count >= item.amount:  # what FixedWindowRateLimiter.test(item, key) answers, read at once
                reset_at, _ = limiter.get_window_stats(item, key)
                wait = max(wait, int(reset_at - time.time()) + 1)
        return wait

    def record_failure(self, checks):
        limiter = self._state()["limiter"]
        for item, key in self._items(checks):
            limiter.hit(item, key)

    def reset(self):
        """Forget every count (tests)."""
        self._state()["limiter"].storage.reset()


def _counts(storage, keys):
    """The fixed-window counts of ``keys``: one MGET on Redis (the limits library asks once per
    key: a round trip each, and every login checks two throttles), else the storage's own."""
    if isinstance(storage, RedisStorage):
        values = storage.get_connection(readonly=True).mget([storage.prefixed_key(key) for key in keys])
        return [int(value or 0) for value in values]
    return [storage.get(key) for key in keys]
