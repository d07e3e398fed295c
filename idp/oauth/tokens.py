"""Storing and retiring tokens. The races (two redemptions of a code, two uses of a refresh
token) are settled by conditional UPDATEs in the database, never by checks in Python."""
import secrets

from flask import current_app
from sqlalchemy.orm import joinedload

from .. import audit
from ..clock import now
from ..digests import digest
from ..extensions import db
from ..models import AuthorizationCode, OAuthClient, Token, TokenFamily


def new_family(client, seller=None, auth_time=None):
    family = TokenFamily(id=secrets.token_hex(16), client_pk=client.id, seller_pk=seller.id if seller else None, auth_time=auth_time)
    db.session.add(family)
    return family


def store_token(token, family, client, seller):
    issued = now()
    config = current_app.config
    row = Token(
        family_id=family.id,
        client_pk=client.id,
        seller_pk=seller.id if seller else None,
        scope=token.get("scope", ""),
        access_token_hash=digest(token["access_token"]),
        issued_at=issued,
        access_expires_at=issued + int(token.get("expires_in", config["ACCESS_TOKEN_TTL"])),
    )
    if token.get("refresh_token"):
        row.refresh_token_hash = digest(token["refresh_token"])
        row.refresh_expires_at = issued + config["REFRESH_TOKEN_TTL"]
    db.session.add(row)
    return row


def save_token(token, request):
    """Authlib's save_token hook: put the new token in the family it descends from."""
    client, seller = request.client, request.user
    if getattr(request, "refresh_token", None) is not None:
        family = request.refresh_token.family
    elif getattr(request, "authorization_code", None) is not None:
        code = request.authorization_code
        code_id = code.id  # read before the commit expires the row, saving a reload
        family = new_family(client, seller, code.auth_time)
        db.session.flush()
        code.family_id = family.id
        store_token(token, family, client, seller)
        db.session.commit()
        # A replay that raced this redemption may have missed the family: look once more.
        if _code_replayed(code_id):
            revoke_family(family.id, "code_reuse")
        return
    else:
        family = new_family(client, seller)
        db.session.flush()
    store_token(token, family, client, seller)
    db.session.commit()


def redeem_authorization_code(code, client):
    """Mark the code redeemed, exactly once. A second redemption revokes what the first issued."""
    code_hash = digest(code)
    redeemed = db.session.execute(
        db.update(AuthorizationCode)
        .where(
            AuthorizationCode.code_hash == code_hash,
            AuthorizationCode.client_pk == client.id,
            AuthorizationCode.redeemed_at.is_(None),
            AuthorizationCode.expires_at > now(),
        )
        .values(redeemed_at=now())
    ).rowcount
    db.session.commit()
    row = db.session.execute(
        db.select(AuthorizationCode).options(joinedload(AuthorizationCode.seller)).filter_by(code_hash=code_hash)
    ).scalar_one_or_none()
    if redeemed == 1:
        return row
    if row is not None and row.client_pk == client.id and row.redeemed_at is not None:
        # Flag the replay first, then read the family: whichever of this and save_token
        # commits second sees the other's write, so the family is revoked either way.
        db.session.execute(db.update(AuthorizationCode).where(AuthorizationCode.id == row.id).values(replayed_at=now()))
        db.session.commit()
        db.session.refresh(row)
        if row.family_id:
            revoke_family(row.family_id, "code_reuse")
    return None


def _code_replayed(code_id):
    return db.session.execute(
        db.select(AuthorizationCode.replayed_at).where(AuthorizationCode.id == code_id)
    ).scalar() is not None


def find_refresh_token(refresh_token, client):
    """The row of a refresh token the client holds, unless it expired or its family was revoked.

    A refresh token presented again after it was rotated is reuse: the family is revoked.
    """
    row = db.session.execute(db.select(Token).filter_by(refresh_token_hash=digest(refresh_token))).scalar_one_or_none()
    if row is None or row.client_pk != client.id:
        return None
    if row.family.revoked_at is not None or (row.refresh_expires_at or 0) <= now():
        return None
    if row.refresh_rotated_at is not None:
        revoke_family(row.family_id, "refresh_token_reuse")
        return None
    return row


def rotate_refresh_token(row):
    """Mark the refresh token used, exactly once; the loser of a race is reuse too."""
    won = db.session.execute(
        db.update(Token)
        .where(Token.id == row.id, Token.refresh_rotated_at.is_(None))
        .values(refresh_rotated_at=now())
    ).rowcount
    db.session.commit()
    if won != 1:
        revoke_family(row.family_id, "refresh_token_reuse")
        return None
    return row


# Revocations QSM makes on its own, to protect the seller: these go to the seller's Activity page.
PROTECTIVE_REVOCATIONS = {"code_reuse": "an authorization code was used twice", "refresh_token_reuse": "a refresh token was used twice"}


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
        audit.record("token_family_revoked", seller_pk=family.seller_pk, client=client, detail=PROTECTIVE_REVOCATIONS[reason])


def revoke_access_token(row):
    db.session.execute(db.update(Token).where(Token.id == row.id).values(access_revoked_at=now()))
    db.session.commit()


def find_token(value):
    """Look a presented token up by its digest, as an access or a refresh token, in one query.

    Returns (row, kind) where kind is "access_token" or "refresh_token", or (None, None).
    """
    token_hash = digest(value)
    row = db.session.execute(
        db.select(Token).where(db.or_(Token.access_token_hash == token_hash, Token.refresh_token_hash == token_hash))
    ).scalars().first()
    if row is None:
        return None, None
    return row, "access_token" if row.access_token_hash == token_hash else "refresh_token"


def find_active_access_token(value):
    row = db.session.execute(db.select(Token).filter_by(access_token_hash=digest(value))).scalar_one_or_none()
    if row is None or row.is_expired() or row.is_revoked():
        return None
    return row
