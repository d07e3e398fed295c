"""The apps that hold a seller's grant, and taking a grant back."""
from authlib.oauth2.rfc6749.util import scope_to_list

from ..audit import record
from ..clock import now
from ..extensions import db
from ..models import Consent, OAuthClient, TokenFamily
from ..oauth.claims import describe_scopes


def connected_apps(seller):
    consents = db.session.execute(
        db.select(Consent).filter_by(seller_pk=seller.id).order_by(Consent.last_used_at.desc(), Consent.granted_at.desc())
    ).scalars().all()
    return [(consent, describe_scopes(consent.scope)) for consent in consents if scope_to_list(consent.scope)]


def revoke_app(seller, client):
    """Remove the grant and every token the app holds for this seller, at once."""
    db.session.execute(db.delete(Consent).where(Consent.seller_pk == seller.id, Consent.client_pk == client.id))
    db.session.execute(
        db.update(TokenFamily)
        .where(TokenFamily.seller_pk == seller.id, TokenFamily.client_pk == client.id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_reason="revoked_by_seller")
    )
    db.session.commit()
    record("app_access_revoked", seller=seller, client=client)


def find_client(client_id):
    return db.session.execute(db.select(OAuthClient).filter_by(client_id=client_id)).scalar_one_or_none()
