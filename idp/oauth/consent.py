"""What a seller has allowed each client, and when the consent page must be shown."""
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Consent
from ..models.seller import utcnow


def find_consent(seller, client):
    return db.session.execute(
        db.select(Consent).filter_by(seller_pk=seller.id, client_pk=client.id)
    ).scalar_one_or_none()


def scopes_to_ask(seller, client, scope, prompts):
    """The requested scopes the seller has not granted yet; all of them with prompt=consent.

    Trusted family sites are not asked unless they send prompt=consent themselves. An empty
    list means: issue without asking.
    """
    requested = scope_to_list(scope) or []
    if "consent" in prompts:
        return requested
    if client.trusted:
        return []
    consent = find_consent(seller, client)
    granted = set(scope_to_list(consent.scope) or []) if consent else set()
    return [s for s in requested if s not in granted]


def record_consent(seller, client, scope):
    try:
        return _merge_consent(seller, client, scope)
    except IntegrityError:
        # Another request (a second tab) recorded the first consent meanwhile: merge into it.
        db.session.rollback()
        return _merge_consent(seller, client, scope)


def _merge_consent(seller, client, scope):
    consent = find_consent(seller, client)
    requested = scope_to_list(scope) or []
    if consent is None:
        consent = Consent(seller_pk=seller.id, client_pk=client.id, scope=list_to_scope(requested))
        db.session.add(consent)
    else:
        merged = list(dict.fromkeys((scope_to_list(consent.scope) or []) + requested))
        consent.scope = list_to_scope(merged)
        consent.granted_at = utcnow()
    consent.last_used_at = utcnow()
    db.session.commit()
    return consent


def touch_consent(seller, client):
    consent = find_consent(seller, client)
    if consent is not None:
        consent.last_used_at = utcnow()
        db.session.commit()
