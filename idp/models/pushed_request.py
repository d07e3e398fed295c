from ..extensions import db
from .columns import client_pk_column, digest_column


class PushedAuthorizationRequest(db.Model):
    """An authorization request a client pushed (RFC 9126), waiting for the seller's browser.

    The browser brings only its reference (the ``request_uri``); this row holds the reference's
    digest, never the reference. It must be started within its short lifetime; once started, the
    seller has ``interaction_ends_at`` to log in and answer; it answers the client once.
    """

    __tablename__ = "pushed_authorization_requests"

    id = db.Column(db.Integer, primary_key=True)
    reference_hash = digest_column()
    client_pk = client_pk_column(nullable=False, index=True)
    parameters_json = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.Integer, nullable=False)
    expires_at = db.Column(db.Integer, nullable=False, index=True)  # to start by
    started_at = db.Column(db.Integer)
    interaction_ends_at = db.Column(db.Integer)
    used_at = db.Column(db.Integer)
