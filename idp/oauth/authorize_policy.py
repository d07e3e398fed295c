"""The rules of the authorization endpoint, one small check per rule (node-oidc-provider's
``lib/actions/authorization`` style): whether a request must have been pushed, the ``prompt``
value, whether the seller must log in (again), whether the consent page must be shown, and what
the seller's answer on it records. ``decide`` runs them in order; routes.authorize turns the
``Decision`` (or the OAuth2Error a check raises) into HTTP. Nothing here reads the request.
"""
from dataclasses import dataclass

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError

from .. import audit
from .authorization_params import max_age_seconds
from .consent import granted_scope, record_consent, touch_consent

LOGIN = "login"  # send the seller to QSM's login page first
ASK = "ask"  # show the consent page for Decision.scopes
ISSUE = "issue"  # answer the client: a code for Decision.seller, or access_denied when it is None


@dataclass(frozen=True)
class Decision:
    action: str
    seller: object = None
    scopes: tuple = ()


def check_prompt(value, redirect_uri=None):
    """The ``prompt`` values asked for (OpenID Connect Core 3.1.2.1): ``none`` stands alone. The
    one check of the value, for a pushed request and at the authorization endpoint alike (the
    code grant runs it: grants.AuthorizationCodeGrant)."""
    prompts = (value or "").split()
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("Invalid 'prompt' parameter.", redirect_uri=redirect_uri)
    return prompts


def check_pushed(client, pushed_request, redirect_uri=None):
    """RFC 9126 6: a client registered as requiring pushed requests may send no other kind."""
    if pushed_request is None and client.require_pushed_authorization_requests:
        raise InvalidRequestError(
            "This app must push its authorization requests (RFC 9126).", redirect_uri=redirect_uri
        )


def login_is_too_old(max_age, auth_time, at):
    """``max_age`` (seconds, or None) asks for a login more recent than the one at ``auth_time``."""
    return max_age is not None and at - (auth_time or 0) > max_age


def login_after_push(pushed_request, auth_time):
    """Whether the session's login happened after the seller's browser brought this pushed
    request: that login satisfies its prompt=login and max_age (the URL cannot drop them)."""
    started_at = pushed_request.started_at if pushed_request is not None else None
    return auth_time is not None and started_at is not None and auth_time > started_at


def check_login(seller, prompts, max_age, auth_time, at, pushed_request=None, redirect_uri=None):
    """Whether the seller must log in (again) before anything is issued: nobody is logged in, or
    prompt=login or ``max_age`` asks for a fresher login than the session's (auth_time), unless
    that login followed the pushed request. A malformed ``max_age`` is invalid_request."""
    if seller is None:
        return True
    if login_after_push(pushed_request, auth_time):
        return False
    if "login" in prompts:
        return True
    try:
        seconds = max_age_seconds(max_age)
    except InvalidRequestError as error:
        error.redirect_uri = redirect_uri
        raise
    return login_is_too_old(seconds, auth_time, at)


def check_interaction(prompts, error_class, redirect_uri=None):
    """prompt=none: the seller must be shown nothing; what would have been shown is the error."""
    if "none" in prompts:
        raise error_class(redirect_uri=redirect_uri)


def needs_consent(client, scope, prompts, granted):
    """The requested scopes to ask the seller for: all of them with prompt=consent; none for a
    trusted family site (unless it sends prompt=consent itself); else those not granted yet.
    ``granted()`` gives the scope the seller already granted the client (read only if needed)."""
    requested = scope_to_list(scope) or []
    if "consent" in prompts:
        return requested
    if client.trusted:
        return []
    already = set(scope_to_list(granted()) or [])
    return [s for s in requested if s not in already]


def answer_consent(seller, client, scope, allowed):
    """The seller's answer on the consent page, recorded and audited: the seller to issue a code
    for, or None (the client is told access_denied)."""
    if allowed:
        record_consent(seller, client, scope)
        audit.record("consent_granted", seller=seller, client=client, detail=scope)
        return seller
    audit.record("consent_denied", seller=seller, client=client)
    return None


def decide(seller, client, scope, prompts, *, max_age, auth_time, at, pushed_request, answer, redirect_uri):
    """What the authorization endpoint does with a valid request, the checks in their order.

    ``auth_time`` is the session's login, ``at`` the time now; ``answer`` is the seller's answer on
    the consent page ("allow", anything else denies), None when the page was not answered.
    Raises the OAuth2Error to send back to the client."""
    check_pushed(client, pushed_request, redirect_uri)
    if check_login(seller, prompts, max_age, auth_time, at, pushed_request, redirect_uri):
        check_interaction(prompts, LoginRequiredError, redirect_uri)
        return Decision(LOGIN)
    if answer is not None:
        return Decision(ISSUE, answer_consent(seller, client, scope, answer == "allow"))
    to_ask = needs_consent(client, scope, prompts, lambda: granted_scope(seller, client))
    if not to_ask:
        touch_consent(seller, client)
        return Decision(ISSUE, seller)
    check_interaction(prompts, ConsentRequiredError, redirect_uri)
    return Decision(ASK, scopes=tuple(to_ask))
