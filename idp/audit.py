"""Recording security events: logins and failures, consents and revocations, token family
revocations, client secret rotations, logouts. Each is one row; recording never fails a request."""
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import AuditEvent
from .models.seller import utcnow

DESCRIPTIONS = {
    "login_succeeded": _l("Logged in"),
    "login_failed": _l("Failed login attempt"),
    "login_throttled": _l("Login attempts blocked after too many failures"),
    "logout": _l("Logged out"),
    "passkey_login_succeeded": _l("Logged in with a passkey"),
    "passkey_login_failed": _l("Failed passkey login attempt"),
    "passkey_added": _l("Added a passkey"),
    "passkey_removed": _l("Removed a passkey"),
    "password_changed": _l("Password changed"),
    "consent_granted": _l("Allowed an app"),
    "consent_denied": _l("Denied an app"),
    "app_access_revoked": _l("Revoked an app's access"),
    "token_family_revoked": _l("An app's access was revoked automatically"),
    "client_secret_rotated": _l("Rotated an app's client secret"),
    "app_registered": _l("Registered an app"),
    "app_deleted": _l("Deleted an app"),
}

# Details recorded in English (they are stored), shown in the seller's language.
BY_AN_OPERATOR = "by an operator"
DETAILS = {
    BY_AN_OPERATOR: _l("by an operator"),
    "an authorization code was used twice": _l("an authorization code was used twice"),
    "a refresh token was used twice": _l("a refresh token was used twice"),
}
# Events whose detail is the scope the seller allowed: shown in the words of the consent page.
SCOPE_DETAILS = ("consent_granted",)


class Entry:
    """An event as the Activity page shows it: what happened and its detail, in the seller's
    language; ``scopes``: what the seller allowed, in the consent page's words."""

    def __init__(self, event):
        from .oauth.claims import describe_scopes

        self.event = event
        self.created_at = event.created_at
        self.client_name = event.client_name
        self.ip_address = event.ip_address
        self.description = str(DESCRIPTIONS[event.kind])
        self.scopes = []
        self.detail = None
        if event.kind in SCOPE_DETAILS and event.detail:
            self.scopes = [text for _, text in describe_scopes(event.detail)]
        elif event.detail:
            self.detail = str(DETAILS.get(event.detail, event.detail))


def record(kind, seller=None, client=None, detail=None, seller_pk=None):
    """Record an event in a commit of its own: a failure to record it never undoes the action."""
    try:
        add(kind, seller=seller, client=client, detail=detail, seller_pk=seller_pk)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        from flask import current_app

        current_app.logger.exception("could not record audit event %s", kind)


def add(kind, seller=None, client=None, detail=None, seller_pk=None):
    """Add an event to the caller's transaction: it commits with the action it records."""
    db.session.add(AuditEvent(**event_values(kind, seller.id if seller is not None else seller_pk, client, detail)))


def event_values(kind, seller_pk=None, client=None, detail=None):
    """The columns of an event's row, with the address and browser of the request it happens in."""
    if kind not in DESCRIPTIONS:
        raise ValueError(f"unknown audit event {kind!r}")
    values = {
        "kind": kind,
        "seller_pk": seller_pk,
        "client_pk": client.id if client is not None else None,
        "client_name": client.name if client is not None else None,
        "detail": (detail or "")[:500] or None,
        "ip_address": None,
        "user_agent": None,
        "created_at": utcnow(),
    }
    if has_request_context():
        values["ip_address"] = (request.remote_addr or "")[:45] or None
        values["user_agent"] = (request.user_agent.string or "")[:200] or None
    return values


def recent_events(seller, limit=100):
    return (
        db.session.execute(
            db.select(AuditEvent)
            .filter_by(seller_pk=seller.id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
