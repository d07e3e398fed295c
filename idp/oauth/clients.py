"""Registering OAuth clients and rotating their secrets. The secret is shown once, stored as a digest."""
import secrets
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.util import scope_to_list
from flask_babel import lazy_gettext as _l

from ..digests import digest, new_secret
from ..extensions import db
from ..models import OAuthClient
from ..models.seller import utcnow
from .claims import SCOPES
from .keys import ALGORITHMS

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


class ClientError(ValueError):
    pass


def new_client_id():
    """Random, URL-safe, and never starting with "-", which a command line would take for an option."""
    while (client_id := secrets.token_urlsafe(18)).startswith("-"):
        pass
    return client_id


def check_redirect_uri(uri):
    """https, or http only on loopback; no fragment, no wildcard, no userinfo."""
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ClientError(_l("%(uri)s: a redirect URI must be an absolute https URL.", uri=repr(uri)))
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ClientError(_l("%(uri)s: http is allowed only on loopback addresses; use https.", uri=repr(uri)))
    if parts.fragment or "#" in uri:
        raise ClientError(_l("%(uri)s: a redirect URI must not have a fragment.", uri=repr(uri)))
    if "*" in uri:
        raise ClientError(_l("%(uri)s: wildcards are not allowed in redirect URIs.", uri=repr(uri)))
    if parts.username or parts.password:
        raise ClientError(_l("%(uri)s: a redirect URI must not contain credentials.", uri=repr(uri)))
    return uri


def register_client(
    name,
    redirect_uris,
    scope="openid",
    token_endpoint_auth_method="client_secret_basic",
    grant_types=("authorization_code", "refresh_token"),
    post_logout_redirect_uris=(),
    trusted=False,
    home_page=None,
    owner=None,
    client_id=None,
    backchannel_logout_uri=None,
    id_token_signed_response_alg="RS256",
    require_pushed_authorization_requests=False,
):
    """Create a client. Returns (client, secret); the secret is None for public clients."""
    if token_endpoint_auth_method not in AUTH_METHODS:
        raise ClientError(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.")
    unknown = [g for g in grant_types if g not in GRANT_TYPES]
    if unknown:
        raise ClientError(f"unknown grant types: {', '.join(unknown)}")
    if token_endpoint_auth_method == "none" and "client_credentials" in grant_types:
        raise ClientError("a public client cannot use client_credentials.")
    unknown = [s for s in scope_to_list(scope) or [] if s not in SCOPES]
    if unknown:
        raise ClientError(_l("unknown scopes: %(scopes)s", scopes=", ".join(unknown)))
    if id_token_signed_response_alg not in ALGORITHMS:
        raise ClientError(f"id_token_signed_response_alg must be one of {', '.join(ALGORITHMS)}.")
    if "authorization_code" in grant_types and not redirect_uris:
        raise ClientError(_l("at least one redirect URI is required."))
    redirect_uris = [check_redirect_uri(u) for u in redirect_uris]
    post_logout_redirect_uris = [check_redirect_uri(u) for u in post_logout_redirect_uris]
    client_id = client_id or new_client_id()
    if db.session.execute(db.select(OAuthClient.id).filter_by(client_id=client_id)).first():
        raise ClientError(f"a client with id {client_id!r} already exists.")
    secret = None if token_endpoint_auth_method == "none" else new_secret(32)
    client = OAuthClient(
        client_id=client_id,
        client_secret_hash=digest(secret) if secret else None,
        name=name,
        home_page=home_page,
        grant_types=" ".join(grant_types),
        scope=scope,
        token_endpoint_auth_method=token_endpoint_auth_method,
        trusted=trusted,
        owner_pk=owner.id if owner else None,
        backchannel_logout_uri=backchannel_logout_uri,
        id_token_signed_response_alg=id_token_signed_response_alg,
        require_pushed_authorization_requests=bool(require_pushed_authorization_requests),
    )
    client.redirect_uris = redirect_uris
    client.post_logout_redirect_uris = post_logout_redirect_uris
    db.session.add(client)
    db.session.commit()
    return client, secret


def rotate_client_secret(client):
    if client.is_public:
        raise ClientError("a public client has no secret.")
    secret = new_secret(32)
    client.client_secret_hash = digest(secret)
    client.secret_rotated_at = utcnow()
    db.session.commit()
    return secret


def describe_client(client, secret=None):
    data = {
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types.split(),
        "scope": client.scope,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "trusted": client.trusted,
        "id_token_signed_response_alg": client.id_token_signed_response_alg,
        "require_pushed_authorization_requests": client.require_pushed_authorization_requests,
    }
    if secret:
        data["client_secret"] = secret
    return data
