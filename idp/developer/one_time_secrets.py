"""A new client secret is shown once, on the GET after the POST that made it (POST-redirect-GET).

Between the two requests the secret waits in a PendingClientSecret row, encrypted (Fernet, as
relying_party.token_vault does for SmartShip's tokens) with a fresh key that QSM does not keep:
the key goes into the developer's session cookie, the row keeps only the key's digest, the way
SmartShip keeps a pending sign-up behind an opaque handle. So neither a copy of the database nor
the cookie (signed, not encrypted) shows the secret on its own. The row is bound to the seller
and the app, expires in a few minutes, and the one GET that shows the secret deletes it: a
reload, Back or a second tab finds nothing.
"""
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session

from ..clock import now
from ..digests import digest
from ..extensions import db
from ..models import PendingClientSecret

SESSION_KEY = "pending_client_secrets"
DEFAULT_TTL = 300  # seconds: long enough to follow the redirect, short enough to be gone soon
MAX_IN_SESSION = 5  # apps with a secret waiting at once, per browser session


@dataclass
class ShownSecret:
    secret: str
    reason: str  # "registered" or "rotated"


def ttl():
    return int(current_app.config.get("DEVELOPER_SECRET_TTL", DEFAULT_TTL))


def hold_secret(seller, client, secret, reason):
    """Keep the secret until the next GET of the secret page, and put its key in the session."""
    key = Fernet.generate_key().decode()
    current = now()
    # Expired rows go, and so does an older secret of this app nobody looked at: it no longer works.
    db.session.execute(
        db.delete(PendingClientSecret).where(
            db.or_(PendingClientSecret.expires_at <= current, PendingClientSecret.client_pk == client.id)
        )
    )
    db.session.add(
        PendingClientSecret(
            handle_hash=digest(key),
            seller_pk=seller.id,
            client_pk=client.id,
            reason=reason,
            secret_encrypted=Fernet(key.encode()).encrypt(secret.encode()).decode(),
            expires_at=current + ttl(),
        )
    )
    db.session.commit()
    keys = {k: v for k, v in (session.get(SESSION_KEY) or {}).items() if k != client.client_id}
    keys[client.client_id] = key
    session[SESSION_KEY] = dict(list(keys.items())[-MAX_IN_SESSION:])


def take_secret(seller, client):
    """The secret waiting for this seller's app, once: the row is deleted in the same transaction.

    None if there is none (already shown, expired, another browser or another seller)."""
    keys = dict(session.get(SESSION_KEY) or {})
    key = keys.pop(client.client_id, None)
    if key is None:
        return None
    if keys:
        session[SESSION_KEY] = keys
    else:
        session.pop(SESSION_KEY, None)
    row = db.session.execute(
        db.select(PendingClientSecret).filter_by(handle_hash=digest(key), seller_pk=seller.id, client_pk=client.id)
    ).scalar_one_or_none()
    if row is None:
        return None
    encrypted, reason, expired = row.secret_encrypted, row.reason, row.expires_at <= now()
    # Only the request whose DELETE removed the row shows the secret (two tabs cannot both).
    deleted = db.session.execute(
        db.delete(PendingClientSecret)
        .where(PendingClientSecret.id == row.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if deleted != 1 or expired:
        return None
    try:
        return ShownSecret(Fernet(key.encode()).decrypt(encrypted.encode()).decode(), reason)
    except (InvalidToken, ValueError):
        return None


def forget_secrets(client):
    """The app is being deleted: its waiting secret goes with it (same transaction as the caller)."""
    db.session.execute(db.delete(PendingClientSecret).where(PendingClientSecret.client_pk == client.id))
