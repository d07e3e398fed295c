"""Failed-attempt throttles (login, linking, password reset from the linking page) that can say
when the seller may try again.

Counts live in the limiter's storage (memory, or Redis shared by every instance), so a
throttle holds across all instances. Failures count per address, and per account: the account's
own count however it was named (login ID or email), else the count of what was typed.
"""
import time

from flask import current_app, request
from flask_babel import ngettext
from limits import parse

from .extensions import limiter
from .models import normalize_login
from .refusals import Refused

# Per address: a password reset asked for on the linking page counts like one asked for on
# /forgot-password (RESET_LIMIT_PER_ADDRESS); login and linking attempts like logins.
_ADDRESS_LIMITS = {"reset": "RESET_LIMIT_PER_ADDRESS"}


def _keys(kind, account_key):
    limit = current_app.config[_ADDRESS_LIMITS.get(kind, "LOGIN_LIMIT_PER_ADDRESS")]
    keys = [("address", f"{kind}:address:{request.remote_addr}", limit)]
    if account_key:
        keys.append(("account", f"{kind}:account:{account_key}", current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]))
    return keys


def key_for(account, typed_login):
    """Whose count an attempt adds to: the account's, else the typed login (normalized), so that
    guesses at one unknown login count together too."""
    return account.id if account is not None else normalize_login(typed_login)


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


def check_not_throttled(kind, account_key=None):
    """Refused (429, saying when to try again) while the throttle holds; None when an attempt may go on."""
    wait = retry_after(kind, account_key)
    return Refused(describe_wait(wait), 429) if wait else None


def describe_wait(seconds):
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many attempts. Please try again in %(num)d minute.",
        "Too many attempts. Please try again in %(num)d minutes.",
        minutes,
    )
