"""The apps that hold a seller's grant, and taking a grant back."""
from datetime import UTC, datetime

from authlib.oauth2.rfc6749.util import scope_to_list

from ..audit import record
from ..clock import now
from ..extensions import db
from ..models import Consent, OAuthClient, Token, TokenFamily
from ..oauth.claims import describe_scopes


class ConnectedApp:
    def __init__(self, client, scope, granted_at, last_used_at):
        self.client = client
        self.scopes = describe_scopes(scope)
        self.granted_at = granted_at
        self.last_used_at = last_used_at


def connected_apps(seller):
    """Apps the seller allowed (consents), and family sites that hold a live grant without one."""
    consents = (
        db.session.execute(
            db.select(Consent)
            .filter_by(seller_pk=seller.id)
            .order_by(Consent.last_used_at.desc(), Consent.granted_at.desc())
        )
        .scalars()
        .all()
    )
    apps = [ConnectedApp(c.client, c.scope, c.granted_at, c.last_used_at) for c in consents if scope_to_list(c.scope)]
    consented = {c.client_pk for c in consents}
    live = db.session.execute(
        db.select(
            TokenFamily.client_pk,
            db.func.min(TokenFamily.created_at),
            db.func.max(Token.issued_at),
            db.func.max(Token.scope),
        )
        .join(Token, Token.family_id == TokenFamily.id)
        .where(TokenFamily.seller_pk == seller.id, TokenFamily.revoked_at.is_(None))
        .group_by(TokenFamily.client_pk)
    ).all()
    for client_pk, first, last, scope in live:
        if client_pk in consented:
            continue
        client = db.session.get(OAuthClient, client_pk)
        apps.append(
            ConnectedApp(
                client,
                scope,
                datetime.fromtimestamp(first, UTC).replace(tzinfo=None),
                datetime.fromtimestamp(last, UTC).replace(tzinfo=None),
            )
        )
    return apps


def connected_app(seller, client):
    """The seller's grant to this app, or None when the app has no access to the account."""
    return next((app for app in connected_apps(seller) if app.client.id == client.id), None)


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
