"""The rules of logging in to SmartShip with a login ID (or email) and a password; the login view
(routes/account.py) turns the answer into HTTP. The rules:

- the identifier names an account by its login ID, or by a confirmed email only one account has
  (accounts.resolve_identifier); an email several accounts share is refused, asking for the login ID;
- failed attempts are throttled per address and per account (throttle.key_for): while the
  throttle holds nothing is checked, and the seller is told when to try again;
- an unknown login costs the same bcrypt check as a wrong password, and counts as a failure too;
- every failure reads the same, an account with no password yet (made by linked sign-up)
  included: telling it apart would tell anyone that the login ID (a seller's email) has an
  account. The words say what a seller who joined from QSM does instead (FAILED_LOGIN_HINT).
"""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from . import throttle
from .accounts import resolve_identifier, verify_password
from .refusals import Refused

LOGIN_FAILED = _l("The login ID or password is not correct.")
FAILED_LOGIN_HINT = _l(
    "The login ID or password is not correct. Joined from QSM and no password set yet? "
    "Set one with password reset, or log in with QSM."
)


@dataclass(frozen=True)
class LoggedIn:
    account: object


def log_in(identifier, password):
    """LoggedIn with the account the identifier and password prove, or Refused."""
    account, reason = resolve_identifier(identifier)
    key = throttle.key_for(account, identifier)
    refusal = throttle.check_not_throttled("login", key) or check_unambiguous(reason)
    if refusal:
        return refusal
    if verify_password(account, password):  # as slow for an unknown login as for a wrong password
        return LoggedIn(account)
    throttle.record_failure("login", key)
    return failed_login()


def check_unambiguous(reason):
    """An email several accounts share names none of them: the seller is asked for the login ID."""
    if reason == "ambiguous":
        return Refused(_("Several SmartShip accounts use this email address. Please log in with your login ID."))
    return None


def failed_login():
    """What a failed attempt is told: the same words whether the account is unknown, has another
    password or has none yet."""
    return Refused(str(FAILED_LOGIN_HINT))
