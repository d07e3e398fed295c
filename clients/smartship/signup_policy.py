"""The rules of the linked sign-up page's buttons: Done (a new account, or an existing one linked)
and Password Reset. routes/signup.py renders what each function answers; nothing here reads the
request (the throttle reads the address). linking.py makes the accounts and links; the rules here:

- the account to link is one the page lists (the seller's own: its confirmed email is the one QSM
  verified), or one typed by login ID or email; an email several accounts share is refused;
- an empty account or password is asked for, and is not a failed attempt;
- failed attempts are throttled per address and per account, as at login (throttle.key_for);
- a typed login that names no account costs the same bcrypt check as a wrong password, counts as a
  failure, and is told the same words (login_policy.LOGIN_FAILED);
- an account with no password yet is a failed attempt too; only a listed account is told why (and
  that Password Reset helps), since for a typed login the answer would say the account exists;
- when another window (or a double click) linked this seller first, the seller is signed in to that
  account; when the sign-up is gone, the page says so;
- Password Reset is throttled per address, mails only the chosen account's own address, and reads
  the same whether or not that account exists; once the new password is set, the seller comes back
  to finish linking (resume_linking_after_reset).
"""
from dataclasses import dataclass

from flask_babel import gettext as _

from . import throttle
from .accounts import resolve_identifier, send_password_reset, verify_password
from .linking import (
    AlreadyLinked,
    LinkedToAnotherSeller,
    LinkingError,
    LoginIdTaken,
    NoPasswordYet,
    SignupUsedUp,
    WrongPassword,
    create_linked_account,
    link_existing_account,
    login_id_taken,
)
from .login_policy import LOGIN_FAILED
from .refusals import Refused

# The browser's session keys: the pending sign-up's handle, and a reset asked for from its page.
PENDING_SIGNUP = "pending_signup"
RESUME_LINKING = "resume_linking"


@dataclass(frozen=True)
class Linked:
    """The account is linked (new or existing): sign in, run the service setup, say ``message``."""

    account: object
    message: str


@dataclass(frozen=True)
class SignInThroughLink:
    """Another window (or a double click) linked this seller first: sign in to that account."""

    account: object


@dataclass(frozen=True)
class Expired:
    """The sign-up is gone (finished in another window, or expired) and no link came of it."""


@dataclass(frozen=True)
class ResetSent:
    message: str


@dataclass(frozen=True)
class ChooseAnotherLoginId(Refused):
    """The login ID is taken: the page asks for another."""

    status: int = 409


def asks_for_login_id(claims):
    """A new account's login ID is the seller's email, unless an account already has that login
    ID: then the page asks for one."""
    return login_id_taken(claims.get("email"))


def create_new(pending, login_id, agreed):
    """Done with Create a new account."""
    try:
        account = create_linked_account(pending, login_id, agreed)
    except LinkingError as error:
        return settle(error)
    return Linked(account, _("Your SmartShip account is ready and linked to your QSM seller account."))


def link_existing(pending, candidates, *, choice, typed_login, password, agreed):
    """Done with Link an existing account: ``choice`` is a listed account's login ID (or "other"),
    ``typed_login`` the login ID or email typed for another account."""
    account, refusal = chosen_account(candidates, choice, typed_login)
    refusal = refusal or check_entries(account, typed_login, password)
    if refusal:
        return refusal
    key = throttle.key_for(account, typed_login)
    if refusal := throttle.check_not_throttled("link", key):
        return refusal
    if account is None:
        # Unknown typed login: the same answer and cost as a wrong password.
        verify_password(None, password)
        throttle.record_failure("link", key)
        return Refused(str(LOGIN_FAILED))
    try:
        account = link_existing_account(pending, account, password, agreed)
    except (NoPasswordYet, WrongPassword) as error:
        throttle.record_failure("link", key)
        return told_of_failure(error, account, candidates)
    except LinkingError as error:
        return settle(error)
    return Linked(account, _("Your SmartShip account is now linked to your QSM seller account."))


def send_reset(candidates, *, choice, typed_login):
    """Password Reset: a reset link to the chosen account's own address."""
    account, refusal = chosen_account(candidates, choice, typed_login)
    refusal = refusal or throttle.check_not_throttled("reset")
    if refusal:
        return refusal
    throttle.record_failure("reset")
    if account is not None:
        # Always the chosen account's own address on file, never one typed into the form.
        send_password_reset(account)
    return ResetSent(
        _(
            "If that account exists, we sent a password reset link to its email address. "
            "Set a new password, then come back here to finish linking."
        )
    )


def chosen_account(candidates, choice, typed_login):
    """The account picked from the list, or typed by login ID or email: (account or None, Refused or None)."""
    listed = {a.login_id: a for a in candidates}
    if choice and choice != "other" and choice in listed:
        return listed[choice], None
    account, reason = resolve_identifier(typed_login)
    if reason == "ambiguous":
        return None, Refused(
            _("Several SmartShip accounts use this email address. Please enter the login ID instead.")
        )
    return account, None


def check_entries(account, typed_login, password):
    """What the seller left empty, asked for in words: the account to link (when none was chosen
    from the list and none typed), then its password. Said the same whether or not the account
    exists, and not a failed attempt."""
    if account is None and not (typed_login or "").strip():
        return Refused(_("Please choose the SmartShip account to link, or enter its login ID or email."))
    if not password:
        return Refused(
            _(
                "Please enter the password of the SmartShip account you are linking."
                " Forgot it? Click Password Reset."
            )
        )
    return None


def told_of_failure(error, account, candidates):
    """A wrong password reads like an unknown login, and so does an account with no password yet,
    except the seller's own listed account: it hears why (and that Password Reset helps). For a
    typed login ID the answer would tell anyone whether that account exists and has no password."""
    if isinstance(error, NoPasswordYet) and is_listed(account, candidates):
        return Refused(str(error))
    return Refused(str(LOGIN_FAILED))


def is_listed(account, candidates):
    """One of the seller's own accounts the page lists, however it was chosen: the page already
    names it, so it may be told more."""
    return any(candidate.id == account.id for candidate in candidates)


def settle(error):
    """What the page answers for a LinkingError of either button."""
    match error:
        case AlreadyLinked():
            return SignInThroughLink(error.account)
        case SignupUsedUp():
            return Expired()
        case LoginIdTaken():
            return ChooseAnotherLoginId(str(error))
        case LinkedToAnotherSeller():
            return Refused(str(error), 409)
    return Refused(str(error))


def remember_reset_for_linking(session):
    session[RESUME_LINKING] = True


def resume_linking_after_reset(session):
    """Whether a seller whose new password is set goes back to finish linking: they asked for the
    reset from the sign-up page, and that sign-up still waits. Once."""
    if session.get(RESUME_LINKING) and session.get(PENDING_SIGNUP):
        session.pop(RESUME_LINKING)
        return True
    return False
