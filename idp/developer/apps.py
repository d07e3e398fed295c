"""Apps a seller registered as a developer: never trusted, secrets shown once."""
from flask_babel import lazy_gettext as _l

from ..audit import record
from ..extensions import db
from ..models import AuthorizationCode, Consent, OAuthClient, RevokedClientToken, Token, TokenFamily
from ..oauth.clients import ClientError, check_redirect_uri, register_client, rotate_client_secret
from .one_time_secrets import forget_secrets


def apps_of(seller):
    return (
        db.session.execute(db.select(OAuthClient).filter_by(owner_pk=seller.id).order_by(OAuthClient.created_at))
        .scalars()
        .all()
    )


def app_of(seller, client_id):
    return db.session.execute(
        db.select(OAuthClient).filter_by(owner_pk=seller.id, client_id=client_id)
    ).scalar_one_or_none()


def register_app(
    seller,
    name,
    home_page,
    redirect_uris,
    post_logout_redirect_uris,
    backchannel_logout_uri,
    public,
    scopes,
    require_par=False,
):
    if "openid" not in scopes:
        raise ClientError(_l("An app signs sellers in with QSM: the openid scope is required."))
    if backchannel_logout_uri:
        check_redirect_uri(backchannel_logout_uri)
    grant_types = ["authorization_code"] + (["refresh_token"] if "offline_access" in scopes else [])
    client, secret = register_client(
        name=name,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        backchannel_logout_uri=backchannel_logout_uri or None,
        scope=" ".join(scopes),
        grant_types=grant_types,
        token_endpoint_auth_method="none" if public else "client_secret_basic",
        trusted=False,  # never: only the marketplace's own family sites skip consent
        home_page=home_page or None,
        owner=seller,
        require_pushed_authorization_requests=require_par,
    )
    record("app_registered", seller=seller, client=client)
    return client, secret


def rotate_secret(seller, client):
    secret = rotate_client_secret(client)
    record("client_secret_rotated", seller=seller, client=client)
    return secret


def sellers_with_access(client):
    """How many sellers the app can act for now: a grant (consent) or a live token family."""
    consented = db.select(Consent.seller_pk).where(Consent.client_pk == client.id)
    live = db.select(TokenFamily.seller_pk).where(
        TokenFamily.client_pk == client.id, TokenFamily.revoked_at.is_(None), TokenFamily.seller_pk.is_not(None)
    )
    return db.session.execute(db.select(db.func.count()).select_from(db.union(consented, live).subquery())).scalar_one()


def delete_app(seller, client):
    """Delete the app and everything it holds: codes, tokens, grants. One transaction."""
    db.session.execute(db.delete(Token).where(Token.client_pk == client.id))
    db.session.execute(db.delete(RevokedClientToken).where(RevokedClientToken.client_pk == client.id))
    db.session.execute(db.delete(AuthorizationCode).where(AuthorizationCode.client_pk == client.id))
    db.session.execute(db.delete(TokenFamily).where(TokenFamily.client_pk == client.id))
    db.session.execute(db.delete(Consent).where(Consent.client_pk == client.id))
    forget_secrets(client)
    name = client.name
    db.session.delete(client)
    db.session.commit()
    record("app_deleted", seller=seller, detail=name)
