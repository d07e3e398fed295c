"""Getting a usable QSM access token for a link, refreshing it at most once at a time."""
import time

from flask_babel import gettext as _

from relying_party import token_vault

from . import qsm
from .extensions import db
from .models import QsmLink

LEASE_SECONDS = 15
EXPIRY_MARGIN = 30


def _fresh_enough(link):
    return link.access_token_encrypted and link.access_expires_at - EXPIRY_MARGIN > time.time()


def mark_needs_reauthorization(link):
    db.session.execute(
        db.update(QsmLink).where(QsmLink.id == link.id).values(needs_reauthorization=True, refresh_lease_until=None)
    )
    db.session.commit()


def access_token(link, force_refresh=False):
    """A valid access token for ``link``; refreshes through QSM when it has expired.

    Raises qsm.QSMAccessRevoked (and marks the link) when QSM no longer honours the grant.
    """
    if link.needs_reauthorization:
        raise qsm.QSMAccessRevoked(_("The QSM link needs to be authorized again."))
    if not force_refresh and _fresh_enough(link):
        return token_vault.decrypt(link.access_token_encrypted)
    stale_token = link.access_token_encrypted
    deadline = time.time() + LEASE_SECONDS
    while True:
        # Take the lease with one conditional UPDATE; only its holder spends the refresh token.
        now = int(time.time())
        won = db.session.execute(
            db.update(QsmLink)
            .where(
                QsmLink.id == link.id, db.or_(QsmLink.refresh_lease_until.is_(None), QsmLink.refresh_lease_until < now)
            )
            .values(refresh_lease_until=now + LEASE_SECONDS)
        ).rowcount
        db.session.commit()
        db.session.refresh(link)
        if won:
            break
        if link.access_token_encrypted != stale_token and _fresh_enough(link):
            return token_vault.decrypt(link.access_token_encrypted)
        if time.time() > deadline:
            raise qsm.QSMUnavailable(_("QSM access is being renewed; please try again in a moment."))
        time.sleep(0.2)
    if link.access_token_encrypted != stale_token and _fresh_enough(link):
        db.session.execute(db.update(QsmLink).where(QsmLink.id == link.id).values(refresh_lease_until=None))
        db.session.commit()
        return token_vault.decrypt(link.access_token_encrypted)
    refresh_token = token_vault.decrypt(link.refresh_token_encrypted) if link.refresh_token_encrypted else None
    if not refresh_token:
        mark_needs_reauthorization(link)
        raise qsm.QSMAccessRevoked(_("SmartShip has no QSM refresh token for this link."))
    try:
        token = qsm.refresh(link.platform, refresh_token)
    except qsm.QSMAccessRevoked:
        mark_needs_reauthorization(link)
        raise
    except qsm.QSMError:
        db.session.execute(db.update(QsmLink).where(QsmLink.id == link.id).values(refresh_lease_until=None))
        db.session.commit()
        raise
    from .linking import store_tokens

    store_tokens(link, token)
    db.session.commit()
    return token["access_token"]


def call_qsm(link, method, path, **kwargs):
    """Call QSM's API for this link; one retry with a refreshed token if QSM says 401."""
    token = access_token(link)
    try:
        return qsm.call_api(link.platform, token, method, path, **kwargs)
    except qsm.QSMAccessRevoked:
        token = access_token(link, force_refresh=True)
        try:
            return qsm.call_api(link.platform, token, method, path, **kwargs)
        except qsm.QSMAccessRevoked:
            mark_needs_reauthorization(link)
            raise
