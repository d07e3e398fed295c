"""Pushed authorization requests (RFC 9126). A client sends its authorization request to QSM
first, authenticated, and the seller's browser carries only a reference to it (``request_uri``).
Everything the authorization endpoint checks is checked at the push, so a bad request is told
to the client directly instead of through the browser; what the browser brings cannot change it.

A reference must be started (brought to the authorization endpoint) within LIFETIME seconds of
the push; from then on the seller has INTERACTION seconds to log in and answer, and reloading
the page meanwhile is fine. The answer (a code, a denial, an error sent back to the client) spends
it: a second answer for the same reference is refused.
"""
import json

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc9101.errors import InvalidRequestUriError
from flask import g, request as flask_request

from ..clock import now
from ..digests import digest, new_secret
from ..extensions import db
from ..models import OAuthClient, PushedAuthorizationRequest
from .authorization_params import max_age_seconds

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
LIFETIME = 60
INTERACTION = 600
# Client authentication travels with the push; it is not part of the authorization request.
NOT_PUSHED = frozenset(("client_secret", "client_assertion", "client_assertion_type"))


def push(server, client, form):
    """Check ``form`` as the authorization endpoint would for ``client`` and keep it; the
    response body (RFC 9126 2.2). Raises the OAuth2Error to send back."""
    params = {name: value for name, value in form.items() if name not in NOT_PUSHED}
    if "request_uri" in params:
        raise InvalidRequestError("'request_uri' cannot be pushed.")
    if "request" in params:
        raise InvalidRequestError("Request objects ('request') are not supported.")
    if params.setdefault("client_id", client.client_id) != client.client_id:
        raise InvalidRequestError("'client_id' is not the client that authenticated.")
    check_authorization_request(server, params)
    reference = new_secret(32)
    pushed_at = now()
    db.session.add(
        PushedAuthorizationRequest(
            reference_hash=digest(reference),
            client_pk=client.id,
            parameters_json=json.dumps(params),
            created_at=pushed_at,
            expires_at=pushed_at + LIFETIME,
        )
    )
    db.session.commit()
    return {"request_uri": REQUEST_URI_PREFIX + reference, "expires_in": LIFETIME}


def check_authorization_request(server, params):
    """The authorization endpoint's checks that need no seller: client, response type, exact
    redirect URI, scopes, PKCE S256, nonce, prompt and max_age."""
    # The push's own URL: the transport Authlib checks is the one the request came over.
    request = OAuth2Request("GET", flask_request.url)
    request.payload = BasicOAuth2Payload(params)
    request.user = None
    grant = server.get_authorization_grant(request)
    grant.validate_authorization_request()  # prompt too: grants.AuthorizationCodeGrant
    max_age_seconds(params.get("max_age"))


def load_pushed_request(server, request):
    """Authlib hook (before_get_authorization_grant): an authorization request that names a
    pushed one is the pushed one; nothing else the browser sent counts."""
    data = request.payload.data
    reference = data.get("request_uri")
    if reference is None:
        return
    pushed = start(reference, data.get("client_id"))
    request.payload = BasicOAuth2Payload(json.loads(pushed.parameters_json))
    g.pushed_request = pushed  # for the view: whatever answers the client spends it


def current():
    """The pushed request this request's authorization request is, or None."""
    return g.get("pushed_request")


def start(reference, client_id):
    """The pushed request ``reference`` names, for ``client_id``: started now if it was not yet."""
    if not isinstance(reference, str) or not reference.startswith(REQUEST_URI_PREFIX) or not client_id:
        raise InvalidRequestUriError("Unknown 'request_uri'.")
    found = db.session.execute(
        db.select(PushedAuthorizationRequest)
        .join(OAuthClient, OAuthClient.id == PushedAuthorizationRequest.client_pk)
        .where(
            PushedAuthorizationRequest.reference_hash == digest(reference[len(REQUEST_URI_PREFIX) :]),
            OAuthClient.client_id == client_id,
        )
    ).scalar_one_or_none()
    at = now()
    if found is None:
        raise InvalidRequestUriError("Unknown 'request_uri', or one of another client.")
    if found.used_at is not None:
        raise already_used()
    if found.started_at is None:
        if found.expires_at <= at:
            raise InvalidRequestUriError("This 'request_uri' has expired. Please start again from the application.")
        started = db.session.execute(
            db.update(PushedAuthorizationRequest)
            .where(PushedAuthorizationRequest.id == found.id, PushedAuthorizationRequest.started_at.is_(None))
            .values(started_at=at, interaction_ends_at=at + INTERACTION)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        db.session.refresh(found)
        if not started and found.used_at is not None:
            raise already_used()
    elif found.interaction_ends_at <= at:
        raise InvalidRequestUriError("This authorization request has expired. Please start again from the application.")
    return found


def spend(pushed):
    """Mark ``pushed`` answered, once: False when another request answered it first."""
    spent = db.session.execute(
        db.update(PushedAuthorizationRequest)
        .where(PushedAuthorizationRequest.id == pushed.id, PushedAuthorizationRequest.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return spent == 1


def already_used():
    return InvalidRequestUriError("This 'request_uri' was already used. Please start again from the application.")
