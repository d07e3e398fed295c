"""Failed-attempt throttles (login, linking) that can say when the seller may try again.

Counts live in the limiter's storage (memory, or Redis shared by every instance), so a
throttle holds across all instances.
"""
import time

from flask import current_app, request
from flask_babel import ngettext
from limits import parse

from .extensions import limiter


def _keys(kind, account_key):
    keys = [("address", f"{kind}:address:{request.remote_addr}", current_app.config["LOGIN_LIMIT_PER_ADDRESS"])]
    if account_key:
        keys.append(("account", f"{kind}:account:{account_key}", current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]))
    return keys


def retry_after(kind, account_key=None):
    """Seconds until another attempt is allowed, or 0 when it is allowed now."""
    strategy = limiter.limiter
    wait = 0
    for _, key, limit in _keys(kind, account_key):
        item = parse(limit)
        if not strategy.test(item, key):
            reset_at, _ = strategy.get_window_stats(item, key)
            wait = max(wait, int(reset_at - time.time()) + 1)
    return wait


def record_failure(kind, account_key=None):
    for _, key, limit in _keys(kind, account_key):
        limiter.limiter.hit(parse(limit), key)


def describe_wait(seconds):
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many attempts. Please try again in %(num)d minute.",
        "Too many attempts. Please try again in %(num)d minutes.",
        minutes,
    )
