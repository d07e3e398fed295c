from ..extensions import db
from .columns import seller_pk_column
from .seller import utcnow


class AuditEvent(db.Model):
    """A security event, shown to the seller on the Activity page and kept for investigations."""

    __tablename__ = "audit_events"
    __table_args__ = (db.Index("ix_audit_events_seller_created", "seller_pk", "created_at"),)

    id = db.Column(db.Integer, primary_key=True)
    seller_pk = seller_pk_column()
    kind = db.Column(db.String(40), nullable=False)
    client_pk = db.Column(db.Integer, db.ForeignKey("oauth_clients.id", ondelete="SET NULL"))
    client_name = db.Column(db.String(120))
    ip_address = db.Column(db.String(45))
    user_agent = db.Column(db.String(200))
    detail = db.Column(db.String(500))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
