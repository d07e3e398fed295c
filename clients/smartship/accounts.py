"""SmartShip's own accounts: direct sign-up, password login, password reset, primary accounts."""
import re

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from websafety.passwords import burn_password_check, check_password, hash_password

from . import account_tokens, mailer
from .extensions import db
from .models import Account, normalize_login, utcnow
from .password_policy import check_password_policy

LOGIN_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,253}$")


class AccountError(ValueError):
    """A refusal the person can act on; the message is safe to show."""


def _rounds():
    return current_app.config["BCRYPT_ROUNDS"]


def find_by_login_id(login_id):
    return db.session.execute(db.select(Account).filter_by(login_id=normalize_login(login_id))).scalar_one_or_none()


def accounts_with_confirmed_email(email):
    """Accounts whose own email SmartShip confirmed, primary first, then oldest first."""
    email = normalize_login(email)
    if not email:
        return []
    return db.session.execute(
        db.select(Account)
        .where(Account.email == email, Account.email_confirmed_at.is_not(None))
        .order_by(Account.is_primary.desc(), Account.created_at, Account.id)
    ).scalars().all()


def resolve_identifier(identifier):
    """The account a login ID or email names: (account, None), or (None, reason).

    reason is "ambiguous" when an email belongs to several accounts, "unknown" otherwise.
    """
    identifier = normalize_login(identifier)
    if not identifier:
        return None, "unknown"
    account = find_by_login_id(identifier)
    if account is not None:
        return account, None
    matches = accounts_with_confirmed_email(identifier)
    if len(matches) == 1:
        return matches[0], None
    return None, ("ambiguous" if matches else "unknown")


def check_login_id(login_id):
    login_id = normalize_login(login_id)
    if not LOGIN_ID_PATTERN.match(login_id):
        raise AccountError(_("A login ID has 3 to 254 characters: letters, digits and . _ @ + -"))
    return login_id


def create_account(login_id, email, password=None, email_confirmed=False, name=None, is_primary=False):
    login_id = check_login_id(login_id)
    email = normalize_login(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_("Please enter a valid email address."))
    if password is not None:
        check_password_policy(password, login_id, email)
    account = Account(
        login_id=login_id,
        email=email,
        email_confirmed_at=utcnow() if email_confirmed else None,
        password_hash=hash_password(password, _rounds()) if password is not None else None,
        name=name,
    )
    db.session.add(account)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(
            _("The login ID %(login_id)s is already taken. Please choose another.", login_id=login_id)
        ) from None
    if is_primary:
        mark_primary(account)
    return account


def mark_primary(account):
    """One primary account per email: marking one clears the others."""
    db.session.execute(
        db.update(Account).where(Account.email == account.email, Account.id != account.id).values(is_primary=False)
    )
    account.is_primary = True
    db.session.commit()


def verify_password(account, password):
    """Check an account's password; as slow for an account without one as for a wrong password."""
    if account is None or not account.has_password:
        burn_password_check(password, _rounds())
        return False
    return check_password(password, account.password_hash)


def set_password(account, password):
    """Set a new password; every session and every outstanding link of the account ends."""
    check_password_policy(password, account.login_id, account.email)
    account.password_hash = hash_password(password, _rounds())
    account.credentials_version += 1
    db.session.commit()


def _one_time_link(account, purpose, endpoint):
    """A one-time link (account_tokens) for the account, to ``endpoint``, as the mail shows it."""
    token = account_tokens.issue(account, purpose)
    return current_app.config["BASE_URL"] + url_for(endpoint, token=token)


def send_password_reset(account):
    link = _one_time_link(account, account_tokens.RESET, "account.reset_password_link")
    mailer.send(
        account.email,
        _("Reset your SmartShip password"),
        _(
            "Hello,\n\nSomeone asked to set a new password for the SmartShip account %(login_id)s.\n"
            "Open this link within 30 minutes to choose a new password:\n\n%(link)s\n\n"
            "If you did not ask for this, you can ignore this email: your password stays as it is.\n"
            "Your QSM password is not affected: QSM and SmartShip are separate systems.\n",
            login_id=account.login_id,
            link=link,
        ),
    )


def send_email_confirmation(account):
    link = _one_time_link(account, account_tokens.CONFIRM, "account.confirm_email_link")
    mailer.send(
        account.email,
        _("Confirm your SmartShip email address"),
        _(
            "Welcome to SmartShip.\n\nOpen this link to confirm the email address of your account %(login_id)s:\n\n"
            "%(link)s\n",
            login_id=account.login_id,
            link=link,
        ),
    )


def reset_password(token, password):
    """Set the password through a reset link; the link works once. Returns the account."""
    row = account_tokens.peek(token, account_tokens.RESET)
    if row is None:
        raise AccountError(_("This password reset link has expired or was already used. Please ask for a new one."))
    check_password_policy(password, row.account.login_id, row.account.email)
    row = account_tokens.spend(token, account_tokens.RESET)
    if row is None:
        raise AccountError(_("This password reset link has expired or was already used. Please ask for a new one."))
    account = row.account
    set_password(account, password)
    # The mail reached the address on file, so that address is now proven.
    if account.email_confirmed_at is None and row.email == account.email:
        account.email_confirmed_at = utcnow()
        db.session.commit()
    return account


def confirm_email(token):
    row = account_tokens.spend(token, account_tokens.CONFIRM)
    if row is None or row.email != row.account.email:
        raise AccountError(_("This confirmation link has expired or was already used."))
    row.account.email_confirmed_at = row.account.email_confirmed_at or utcnow()
    db.session.commit()
    return row.account
