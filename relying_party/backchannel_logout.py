"""OpenID Connect Back-Channel Logout, a relying party's endpoint: QSM POSTs a logout token, and
the site ends the sessions it names.

In order: exactly one ``logout_token`` of at most MAX_TOKEN_LENGTH characters; the token valid
(``logout_tokens``: signature from QSM's JWKS and one check per claim); then its ``jti`` acts
once (``remember_jti``: kept until the token expires, a second use refused); then the site's
``end_sessions(sub, sid)``. Answers are JSON and never cached; QSM's keys out of reach is a
503 (QSM may retry), any other refusal a 400.
"""
import time

from flask import jsonify
from sqlalchemy.exc import IntegrityError

from . import logout_tokens, provider
from .errors import QSMError, QSMRefused, QSMUnavailable

MAX_TOKEN_LENGTH = 8192
MAX_JTI_LENGTH = 255


def answer(body, status_code=200):
    response = jsonify(body)
    response.status_code = status_code
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse(description, status=400):
    return answer({"error": "invalid_request", "error_description": description}, status)


def validate_logout_token(registration, logout_token):
    """The claims of a valid logout token for this registration; QSMRefused otherwise, or
    QSMUnavailable when QSM's keys cannot be fetched."""
    try:
        return logout_tokens.validate_logout_token(
            logout_token,
            registration.issuer,
            registration.client_id,
            lambda force: provider.fetch_signing_keys(registration, force),
        )
    except logout_tokens.LogoutTokenRejected as error:
        raise QSMRefused(str(error)) from None


def remember_jti(db, seen_model, claims, **scope):
    """A token acts once: its jti is kept (with ``scope``, say the issuer's platform) until the
    token expires, in the site's ``seen_model`` table whose key makes a second insert fail.
    False when it was seen before. Rows past their expiry are deleted on the way."""
    db.session.execute(db.delete(seen_model).where(seen_model.expires_at < time.time()))
    db.session.add(
        seen_model(
            jti=claims["jti"][:MAX_JTI_LENGTH], expires_at=claims["exp"] + logout_tokens.LEEWAY, **scope
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def handle_logout(registration, form, db, seen_model, end_sessions, **scope):
    """The whole endpoint: ``form`` is the request's form, ``end_sessions(sub=, sid=)`` the
    site's way to end what the token names. Returns the response."""
    tokens = form.getlist("logout_token")
    if len(tokens) != 1 or not tokens[0] or len(tokens[0]) > MAX_TOKEN_LENGTH:
        return refuse("Exactly one logout_token is required.")
    try:
        claims = validate_logout_token(registration, tokens[0])
    except QSMUnavailable as error:
        return refuse(str(error), 503)
    except QSMError as error:
        return refuse(str(error))
    if not remember_jti(db, seen_model, claims, **scope):
        return refuse("This logout token was already used.")
    end_sessions(sub=claims.get("sub"), sid=claims.get("sid"))
    return answer({"status": "ok"})
