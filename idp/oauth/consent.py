"""What a seller has allowed each client (when the consent page is shown: authorize_policy.py)."""
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Consent
from ..models.seller import utcnow


def find_consent(seller, client):
    return db.session.execute(
        db.select(Consent).filter_by(seller_pk=seller.id, client_pk=client.id)
    ).scalar_one_or_none()


def granted_scope(seller, client):
    """The scope the seller has granted the client so far, or None."""
    consent = find_consent(seller, client)
    return consent.scope if consent else None


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
