"""Storing and retiring tokens. The races (two redemptions of a code, two uses of a refresh
token) are settled by conditional UPDATEs in the database, never by checks in Python."""
import secrets

from authlib.oauth2.rfc6749.errors import InvalidGrantError
from flask import current_app
from sqlalchemy.orm import joinedload, lazyload

from siteops.statements import Statement

from .. import audit
from ..clock import now
from ..digests import digest, new_secret
from ..extensions import db
from ..models import AuthorizationCode, OAuthClient, Seller, Token, TokenFamily
from ..models.oauth import access_token_active, refresh_token_active
from . import client_tokens
from .client_auth import CLIENT_AUTH_COLUMNS

# The statements of the hot endpoints, built once: building one per request (and its cache key)
# costs more CPU than the database spends running it. Core statements on the tables, so that
# no ORM bookkeeping runs for rows nothing reads back.
_tokens, _families, _codes = Token.__table__, TokenFamily.__table__, AuthorizationCode.__table__
INSERT_TOKEN = _tokens.insert()
INSERT_FAMILY = _families.insert()
SPEND_REFRESH_TOKEN = (
    _tokens.update()
    .where(_tokens.c.id == db.bindparam("token_id"), _tokens.c.refresh_rotated_at.is_(None))
    .values(refresh_rotated_at=db.bindparam("spent_at"))
)
REDEEM_CODE = (
    _codes.update()
    .where(
        _codes.c.id == db.bindparam("code_id"), _codes.c.redeemed_at.is_(None), _codes.c.expires_at > db.bindparam("at")
    )
    .values(redeemed_at=db.bindparam("at"), family_id=db.bindparam("new_family_id"))
)
CODE_BY_HASH = db.select(AuthorizationCode).options(joinedload(AuthorizationCode.seller)).where(
    AuthorizationCode.code_hash == db.bindparam("code_hash")
)
# A token is read with what its checks need: the family's revocation (and auth_time, for a
# refreshed ID token). Where a client authenticated first (token, introspection, revocation)
# the token's client is already in the session and not joined again; the seller is joined whole
# where claims are built, else by its sub only. A bearer token brings its client and seller.
_FAMILY = joinedload(Token.family).load_only(TokenFamily.revoked_at, TokenFamily.auth_time)
_CLIENT = lazyload(Token.client)
ACCESS_TOKEN_BY_HASH = db.select(Token).options(_FAMILY).where(Token.access_token_hash == db.bindparam("token_hash"))
REFRESH_TOKEN_BY_HASH = (
    db.select(Token).options(_FAMILY, _CLIENT).where(Token.refresh_token_hash == db.bindparam("token_hash"))
)
TOKEN_BY_HASH = (
    db.select(Token)
    .options(_FAMILY, _CLIENT, joinedload(Token.seller).load_only(Seller.sub))
    .where(
        db.or_(
            Token.access_token_hash == db.bindparam("token_hash"),
            Token.refresh_token_hash == db.bindparam("token_hash"),
        )
    )
)


def token_row(token, family_id, client_pk, seller_pk, issued, config):
    """The row of a new token: digests only, never the token itself."""
    row = {
        "family_id": family_id,
        "client_pk": client_pk,
        "seller_pk": seller_pk,
        "scope": token.get("scope", ""),
        "access_token_hash": digest(token["access_token"]),
        "issued_at": issued,
        "access_expires_at": issued + int(token.get("expires_in", config["ACCESS_TOKEN_TTL"])),
    }
    if token.get("refresh_token"):
        row["refresh_token_hash"] = digest(token["refresh_token"])
        row["refresh_expires_at"] = issued + config["REFRESH_TOKEN_TTL"]
    return row


def _insert_family(client, seller, auth_time, issued):
    family_id = secrets.token_hex(16)
    db.session.execute(
        INSERT_FAMILY,
        {
            "id": family_id,
            "client_pk": client.id,
            "seller_pk": seller.id if seller else None,
            "auth_time": auth_time,
            "created_at": issued,
        },
    )
    return family_id


def save_token(token, request):
    """Authlib's save_token hook (the code and refresh grants). Each grant's writes are one transaction: a crash between
    spending a code or refresh token and storing what replaces it would leave the client with
    nothing usable, and its retry would count as reuse."""
    if request.refresh_token is not None:
        rotate_refresh_token(request.refresh_token, token, request.client, request.user)
    else:
        redeem_authorization_code(request.authorization_code, token, request.client, request.user)


def find_authorization_code(code, client):
    """The code's row if the client may redeem it now. A code presented again after it was
    redeemed is a replay: what it issued is revoked."""
    row = db.session.execute(CODE_BY_HASH, {"code_hash": digest(code)}).scalar_one_or_none()
    if row is None or row.client_pk != client.id:
        return None
    if row.redeemed_at is not None:
        refuse_code_replay(row.id)
        return None
    if row.expires_at <= now():
        return None
    return row


def redeem_authorization_code(code, token, client, seller):
    """Mark the code redeemed and store its token family, in one transaction. The conditional
    UPDATE lets exactly one of two racing redemptions through; the other is a replay."""
    issued = now()
    family_id = _insert_family(client, seller, code.auth_time, issued)
    redeemed = db.session.execute(REDEEM_CODE, {"code_id": code.id, "at": issued, "new_family_id": family_id}).rowcount
    if redeemed != 1:
        db.session.rollback()
        refuse_code_replay(code.id)
        raise InvalidGrantError("Invalid 'code' in request.")
    db.session.execute(
        INSERT_TOKEN, token_row(token, family_id, client.id, seller.id if seller else None, issued, current_app.config)
    )
    db.session.commit()


def refuse_code_replay(code_id):
    replayed = db.session.execute(
        db.update(AuthorizationCode)
        .where(AuthorizationCode.id == code_id)
        .values(replayed_at=now())
        .returning(AuthorizationCode.family_id)
    ).scalar()
    db.session.commit()
    if replayed:
        revoke_family(replayed, "code_reuse")


def find_refresh_token(refresh_token, client):
    """The row of a refresh token the client holds, unless it expired or its family was revoked.

    A refresh token presented again after it was rotated is reuse: the family is revoked.
    """
    row = db.session.execute(REFRESH_TOKEN_BY_HASH, {"token_hash": digest(refresh_token)}).scalar_one_or_none()
    if row is None or row.client_pk != client.id:
        return None
    if row.family.revoked_at is not None or (row.refresh_expires_at or 0) <= now():
        return None
    if row.refresh_rotated_at is not None:
        revoke_family(row.family_id, "refresh_token_reuse")
        return None
    return row


def rotate_refresh_token(row, token, client, seller):
    """Spend the presented refresh token and store its successor, in one transaction. The
    conditional UPDATE lets one of two racing uses through; the loser is reuse too."""
    issued = now()
    spent = db.session.execute(SPEND_REFRESH_TOKEN, {"token_id": row.id, "spent_at": issued}).rowcount
    if spent != 1:
        db.session.rollback()
        revoke_family(row.family_id, "refresh_token_reuse")
        raise InvalidGrantError("Invalid 'refresh_token' in request.")
    db.session.execute(
        INSERT_TOKEN,
        token_row(token, row.family_id, client.id, seller.id if seller else None, issued, current_app.config),
    )
    db.session.commit()


# Revocations QSM makes on its own, to protect the seller: these go to the seller's Activity page.
PROTECTIVE_REVOCATIONS = {
    "code_reuse": "an authorization code was used twice",
    "refresh_token_reuse": "a refresh token was used twice",
}


def revoke_family(family_id, reason):
    revoked = db.session.execute(
        db.update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=now(), revoked_reason=reason)
    ).rowcount
    db.session.commit()
    current_app.logger.warning("token family %s revoked: %s", family_id, reason)
    if revoked and reason in PROTECTIVE_REVOCATIONS:
        family = db.session.get(TokenFamily, family_id)
        client = db.session.get(OAuthClient, family.client_pk)
        audit.record(
            "token_family_revoked", seller_pk=family.seller_pk, client=client, detail=PROTECTIVE_REVOCATIONS[reason]
        )


def revoke_access_token(row):
    db.session.execute(db.update(Token).where(Token.id == row.id).values(access_revoked_at=now()))
    db.session.commit()


def find_token(value):
    """Look a presented token up by its digest, as an access or a refresh token, in one query.

    Returns (row, kind) where kind is "access_token" or "refresh_token", or (None, None).
    """
    token_hash = digest(value)
    row = db.session.execute(TOKEN_BY_HASH, {"token_hash": token_hash}).scalars().first()
    if row is None:
        return None, None
    return row, "access_token" if row.access_token_hash == token_hash else "refresh_token"


def find_active_access_token(value):
    client_token = client_tokens.read(value)
    if client_token is not None:
        holder = client_tokens.holder_with_revocation(client_token)
        return client_token if client_token.active(holder, now(), current_app.config["SECRET_KEY"]) else None
    row = db.session.execute(ACCESS_TOKEN_BY_HASH, {"token_hash": digest(value)}).scalar_one_or_none()
    if row is None or not row.is_access_active():
        return None
    return row


# --- The machine endpoints (machine.py): plain rows on the driver's cursor (siteops.statements),
# each statement its own transaction. ------------------------------------------------------------

_sellers = Seller.__table__
_clients = OAuthClient.__table__
_WITH_FAMILY_AND_SELLER = _tokens.outerjoin(_families, _families.c.id == _tokens.c.family_id).outerjoin(
    _sellers, _sellers.c.id == _tokens.c.seller_pk
)
_FAMILY_REVOKED_AT = _families.c.revoked_at.label("family_revoked_at")
_NAMED_CLIENT = _clients.c.client_id == db.bindparam("client_id")


def _client_and_its_token(token_matches):
    """The clients joined to their token that ``token_matches`` (if they hold one), with its family
    and seller: with _NAMED_CLIENT, one row for the client the credentials name, nulls for a token
    it does not hold."""
    return (
        _clients.outerjoin(_tokens, db.and_(_tokens.c.client_pk == _clients.c.id, token_matches))
        .outerjoin(_families, _families.c.id == _tokens.c.family_id)
        .outerjoin(_sellers, _sellers.c.id == _tokens.c.seller_pk)
    )


# An introspection request in one statement: the client named by the credentials (the columns
# client_auth checks) and the token it presents, if it was issued to that client: another
# client's token is not found at all (a client may introspect only what it was issued).
INTROSPECTION_REQUEST = Statement(
    db.select(
        *CLIENT_AUTH_COLUMNS,
        _tokens.c.access_token_hash,
        _tokens.c.scope,
        _tokens.c.issued_at,
        _tokens.c.access_expires_at,
        _tokens.c.access_revoked_at,
        _tokens.c.refresh_token_hash,
        _tokens.c.refresh_expires_at,
        _tokens.c.refresh_rotated_at,
        _FAMILY_REVOKED_AT,
        _sellers.c.sub,
    )
    .select_from(
        _client_and_its_token(
            db.or_(
                _tokens.c.access_token_hash == db.bindparam("token_hash"),
                _tokens.c.refresh_token_hash == db.bindparam("token_hash"),
            )
        )
    )
    .where(_NAMED_CLIENT)
)
# The seller columns an ID token's and UserInfo's claims are made of (claims.seller_claims).
_SELLER_CLAIM_COLUMNS = tuple(
    _sellers.c[name]
    for name in (
        "sub", "contact_name", "shop_name", "seller_id", "updated_at", "email", "email_verified", "phone",
        "street_address", "locality", "region", "postal_code", "country",
    )
)
# A bearer token with the seller columns its claims are made of (claims.seller_claims).
BEARER_TOKEN_WITH_SELLER = Statement(
    db.select(
        _tokens.c.scope,
        _tokens.c.access_expires_at,
        _tokens.c.access_revoked_at,
        _FAMILY_REVOKED_AT,
        _tokens.c.seller_pk,
        *_SELLER_CLAIM_COLUMNS,
    )
    .select_from(_WITH_FAMILY_AND_SELLER)
    .where(_tokens.c.access_token_hash == db.bindparam("token_hash"))
)

# A refresh request in one statement: the client named by the credentials and, if it holds it,
# the refresh token with its family's state and the seller's claims (for the new ID token).
REFRESH_REQUEST = Statement(
    db.select(
        _clients.c.id,
        _clients.c.client_id,
        _clients.c.client_secret_hash,
        _clients.c.token_endpoint_auth_method,
        _clients.c.grant_types,
        _clients.c.scope.label("client_scope"),
        _clients.c.id_token_signed_response_alg,
        _tokens.c.id.label("token_id"),
        _tokens.c.family_id,
        _tokens.c.seller_pk,
        _tokens.c.scope,
        _tokens.c.refresh_token_hash,
        _tokens.c.refresh_expires_at,
        _tokens.c.refresh_rotated_at,
        _FAMILY_REVOKED_AT,
        _families.c.auth_time,
        *_SELLER_CLAIM_COLUMNS,
    )
    .select_from(_client_and_its_token(_tokens.c.refresh_token_hash == db.bindparam("token_hash")))
    .where(_NAMED_CLIENT)
)
_SUCCESSOR_COLUMNS = (
    "client_pk",
    "seller_pk",
    "scope",
    "access_token_hash",
    "refresh_token_hash",
    "issued_at",
    "access_expires_at",
    "refresh_expires_at",
)
_spent = (
    _tokens.update()
    .where(_tokens.c.id == db.bindparam("token_id"), _tokens.c.refresh_rotated_at.is_(None))
    .values(refresh_rotated_at=db.bindparam("issued_at"))
    .returning(_tokens.c.family_id)
    .cte("spent")
)
# PostgreSQL: spending the refresh token and storing its successor are one statement, so one
# round trip and atomic by itself; no successor is stored unless this request spent the token.
ROTATE_IN_ONE_STATEMENT = Statement(
    _tokens.insert().from_select(
        ["family_id", *_SUCCESSOR_COLUMNS],
        db.select(
            _spent.c.family_id, *(db.cast(db.bindparam(name), _tokens.c[name].type) for name in _SUCCESSOR_COLUMNS)
        ),
    )
)
# Elsewhere (SQLite), the two statements of rotate_refresh_token, in one transaction.
SPEND = Statement(SPEND_REFRESH_TOKEN)
INSERT_SUCCESSOR = Statement(
    _tokens.insert().values({name: db.bindparam(name) for name in ("family_id", *_SUCCESSOR_COLUMNS)})
)


def rotate_on_connection(connection, row, token, client_pk, config):
    """Spend the refresh token of ``row`` and store its successor, all or nothing. False when
    another request spent it first (that is reuse: the caller lets the grant handle it)."""
    successor = token_row(token, row.family_id, client_pk, row.seller_pk, now(), config)
    successor.setdefault("refresh_token_hash", None)
    successor.setdefault("refresh_expires_at", None)
    if connection.dialect.name == "postgresql":
        return ROTATE_IN_ONE_STATEMENT.write(connection, {"token_id": row.token_id, **successor}) == 1
    dbapi_connection = connection.connection.dbapi_connection
    if SPEND.write(connection, {"token_id": row.token_id, "spent_at": successor["issued_at"]}, commit=False) != 1:
        dbapi_connection.rollback()
        return False
    INSERT_SUCCESSOR.write(connection, successor)
    return True


def new_bearer_token(scope, with_refresh_token, config, access_token=None):
    """A new token response (RFC 6749 5.1), as Authlib's BearerTokenGenerator makes it for the
    grants served in Flask (server.py): random values unless ``access_token`` is given, the
    configured lifetime."""
    token = {
        "token_type": "Bearer",
        "access_token": access_token or new_secret(32),
        "expires_in": config["ACCESS_TOKEN_TTL"],
    }
    if with_refresh_token:
        token["refresh_token"] = new_secret(32)
    if scope:
        token["scope"] = scope
    return token


def introspection_answer(row, token_hash, issuer):
    """RFC 7662 2.2: what the authenticated client of ``row`` (INTROSPECTION_REQUEST) may learn
    of the token it presented, access or refresh."""
    if row.access_token_hash is None:  # no token of this client's has that digest
        return {"active": False}
    at = now()
    if row.access_token_hash == token_hash:
        active, expires_at, token_type = (
            access_token_active(row, row.family_revoked_at, at),
            row.access_expires_at,
            "Bearer",
        )
    else:
        active, expires_at, token_type = (
            refresh_token_active(row, row.family_revoked_at, at),
            row.refresh_expires_at,
            "refresh_token",
        )
    if not active:
        return {"active": False}
    body = {
        "active": True,
        "client_id": row.client_id,
        "token_type": token_type,
        "scope": row.scope,
        "iat": row.issued_at,
        "exp": expires_at,
        "iss": issuer,
    }
    if row.sub is not None:
        # sub only: the email is released by the email scope, not by introspection.
        body["sub"] = row.sub
    return body


def active_bearer_token(connection, value, secret_key):
    """The row of a usable access token, with its seller's columns (a ClientToken, with none, for
    a client's own token), or None for an unknown, expired or revoked one."""
    client_token = client_tokens.read(value)
    if client_token is not None:
        holder = client_tokens.HOLDER_WITH_REVOCATION.first(connection, client_token.lookup())
        return client_token if client_token.active(holder, now(), secret_key) else None
    row = BEARER_TOKEN_WITH_SELLER.first(connection, {"token_hash": digest(value)})
    if row is None or not access_token_active(row, row.family_revoked_at, now()):
        return None
    return row
