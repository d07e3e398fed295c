"""One-time links sent by email: single use, short-lived, stored only as a SHA-256 digest."""
import hashlib
import secrets
import time

from .extensions import db
from .models import AccountToken

RESET = "reset"
CONFIRM = "confirm"
LIFETIMES = {RESET: 30 * 60, CONFIRM: 24 * 3600}


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue(account, purpose):
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            token_hash=_digest(token),
            purpose=purpose,
            account_id=account.id,
            credentials_version=account.credentials_version,
            email=account.email,
            expires_at=int(time.time()) + LIFETIMES[purpose],
        )
    )
    db.session.commit()
    return token


def peek(token, purpose):
    """The live token row for this link, without spending it (to show the form)."""
    if not token or len(token) > 128:
        return None
    row = db.session.execute(
        db.select(AccountToken).filter_by(token_hash=_digest(token), purpose=purpose)
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= time.time():
        return None
    if row.account.credentials_version != row.credentials_version:
        return None
    return row


def spend(token, purpose):
    """Mark the link used, exactly once (a conditional UPDATE), and return its row."""
    row = peek(token, purpose)
    if row is None:
        return None
    won = db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=int(time.time()))
    ).rowcount
    db.session.commit()
    return row if won == 1 else None
