from ..extensions import db
from .columns import seller_pk_column
from .seller import utcnow


class Passkey(db.Model):
    """A seller's WebAuthn credential (a passkey): its public key and what the authenticator
    said of it. No secret is stored: the private key never leaves the authenticator."""

    __tablename__ = "passkeys"

    id = db.Column(db.Integer, primary_key=True)
    seller_pk = seller_pk_column(nullable=False, index=True)
    credential_id = db.Column(db.String(1400), nullable=False, unique=True)  # base64url, as browsers send it
    public_key = db.Column(db.LargeBinary, nullable=False)  # COSE
    sign_count = db.Column(db.Integer, nullable=False, default=0)
    name = db.Column(db.String(60), nullable=False)
    aaguid = db.Column(db.String(36))
    # Backup eligible: a synced (multi-device) passkey, a software-protected key (amr "swk");
    # otherwise bound to one authenticator's hardware (amr "hwk").
    backup_eligible = db.Column(db.Boolean, nullable=False, default=False)
    backed_up = db.Column(db.Boolean, nullable=False, default=False)
    transports = db.Column(db.String(200))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)

    @property
    def amr(self):
        return ["swk"] if self.backup_eligible else ["hwk"]
