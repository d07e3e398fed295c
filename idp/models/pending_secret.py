from ..extensions import db
from .columns import ForASellerAndApp, digest_column


class PendingClientSecret(ForASellerAndApp, db.Model):
    """A new client secret between the POST that made it and the one page that shows it.

    Encrypted with a key that QSM does not keep: the key sits only in the developer's session
    cookie, and this row holds its digest, so neither the row nor the cookie alone gives the
    secret. The page that shows the secret deletes the row; an unclaimed row expires in minutes.
    """

    __tablename__ = "pending_client_secrets"

    id = db.Column(db.Integer, primary_key=True)
    handle_hash = digest_column()
    # "registered" (a new app) or "rotated" (a new secret for an app)
    reason = db.Column(db.String(20), nullable=False)
    secret_encrypted = db.Column(db.Text, nullable=False)
    expires_at = db.Column(db.Integer, nullable=False, index=True)
