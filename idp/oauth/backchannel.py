"""OpenID Connect Back-Channel Logout 1.0: when a QSM session ends, every client that signed the
seller in through it and registered a ``backchannel_logout_uri`` gets a signed logout token."""
import secrets

import requests
from flask import current_app
from joserfc import jwt

from siteops.database import insert_if_new

from ..clock import now
from ..extensions import db
from ..models import LoginSession, OAuthClient, Seller, SessionClient
from . import keys

EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TTL = 120
TIMEOUT_SECONDS = 3


def logout_token(client, sub, sid):
    key = keys.active_key(keys.DEFAULT_ALGORITHM)
    issued = now()
    claims = {
        "iss": current_app.config["ISSUER"],
        "aud": client.client_id,
        "iat": issued,
        "exp": issued + LOGOUT_TOKEN_TTL,
        "jti": secrets.token_urlsafe(16),
        "sub": sub,
        "sid": sid,
        "events": {EVENT: {}},
    }
    return jwt.encode({"alg": keys.DEFAULT_ALGORITHM, "kid": key.kid, "typ": "logout+jwt"}, claims, key)


def clients_to_notify(sid):
    return db.session.execute(
        db.select(OAuthClient)
        .join(SessionClient, SessionClient.client_pk == OAuthClient.id)
        .where(SessionClient.sid == sid, OAuthClient.backchannel_logout_uri.is_not(None))
    ).scalars().all()


def notify_clients_of_logout(sid):
    """Send the logout tokens. Outside any transaction, each with a short timeout; a client that
    does not answer is logged, never allowed to block the seller's logout."""
    row = db.session.get(LoginSession, sid)
    if row is None:
        return {}
    seller = db.session.get(Seller, row.seller_pk)
    deliveries = [
        (client.client_id, client.backchannel_logout_uri, logout_token(client, seller.sub, sid))
        for client in clients_to_notify(sid)
    ]
    db.session.commit()
    results = {}
    for client_id, uri, token in deliveries:
        try:
            response = requests.post(uri, data={"logout_token": token}, timeout=TIMEOUT_SECONDS, allow_redirects=False)
            results[client_id] = response.status_code
        except requests.RequestException as error:
            results[client_id] = type(error).__name__
        if results[client_id] != 200:
            current_app.logger.warning("back-channel logout to %s failed: %s", client_id, results[client_id])
    return results


def remember_session_client(sid, client):
    """Note, in the caller's transaction, that this session signed the seller in to ``client``.
    Insert-or-ignore: two authorizations at once in one session would otherwise collide."""
    if not sid:
        return
    insert = insert_if_new(SessionClient, db.session.get_bind())
    db.session.execute(insert.values(sid=sid, client_pk=client.id).on_conflict_do_nothing())
