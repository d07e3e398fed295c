"""What expires at QSM, and the purge a cron job runs (``flask --app wsgi:qsm purge``).

Every delete goes in bounded batches of short transactions, so the token tables (the hot
path) are never locked for long.
"""
from datetime import timedelta

from siteops.purge import purge_in_batches

from .clock import now as current_time
from .extensions import db
from .models import (
    AuditEvent,
    AuthorizationCode,
    LoginSession,
    PushedAuthorizationRequest,
    RevokedClientToken,
    SessionClient,
    Token,
    TokenFamily,
)
from .models.seller import utcnow
from .oauth.keys import purge_expired_keys

# A redeemed code is kept a while after it expires so a late replay can still be recognised
# and revoke what the code issued.
CODE_RETENTION = 3600
# Revoked families keep their tokens a day so introspection and support can see what happened.
REVOKED_RETENTION = 24 * 3600
# Ended login sessions are kept a day (the Activity page and support may ask about them).
ENDED_SESSION_RETENTION = 24 * 3600
AUDIT_RETENTION_DAYS = 365


def purge_expired(batch_size=1000, now=None):
    now = now if now is not None else current_time()
    counts = {
        "authorization_codes": purge_in_batches(
            db, AuthorizationCode, AuthorizationCode.expires_at < now - CODE_RETENTION, batch_size
        ),
        "tokens": purge_in_batches(
            db,
            Token,
            db.and_(
                Token.access_expires_at < now,
                db.or_(Token.refresh_expires_at.is_(None), Token.refresh_expires_at < now),
            ),
            batch_size,
        ),
    }
    revoked_families = db.select(TokenFamily.id).where(TokenFamily.revoked_at < now - REVOKED_RETENTION)
    counts["tokens"] += purge_in_batches(db, Token, Token.family_id.in_(revoked_families), batch_size)
    has_tokens = db.select(Token.id).where(Token.family_id == TokenFamily.id).exists()
    counts["token_families"] = purge_in_batches(
        db, TokenFamily, db.and_(~has_tokens, TokenFamily.created_at < now - CODE_RETENTION), batch_size
    )
    # A revoked client token needs its row only until it would have expired anyway.
    counts["revoked_client_tokens"] = purge_in_batches(
        db, RevokedClientToken, RevokedClientToken.expires_at < now, batch_size
    )
    counts["login_sessions"] = purge_login_sessions(now, batch_size)
    # Pushed requests: unusable once unstarted past their lifetime or past their interaction.
    counts["pushed_authorization_requests"] = purge_in_batches(
        db,
        PushedAuthorizationRequest,
        db.or_(
            db.and_(
                PushedAuthorizationRequest.started_at.is_(None),
                PushedAuthorizationRequest.expires_at < now - CODE_RETENTION,
            ),
            PushedAuthorizationRequest.interaction_ends_at < now - CODE_RETENTION,
        ),
        batch_size,
    )
    cutoff = utcnow() - timedelta(days=AUDIT_RETENTION_DAYS)
    counts["audit_events"] = purge_in_batches(db, AuditEvent, AuditEvent.created_at < cutoff, batch_size)
    counts["signing_keys"] = purge_expired_keys()
    return counts


def purge_login_sessions(now, batch_size):
    total = 0
    finished = db.or_(LoginSession.expires_at < now, LoginSession.ended_at < now - ENDED_SESSION_RETENTION)
    while True:
        sids = db.session.execute(db.select(LoginSession.sid).where(finished).limit(batch_size)).scalars().all()
        if not sids:
            return total
        db.session.execute(db.delete(SessionClient).where(SessionClient.sid.in_(sids)))
        total += db.session.execute(db.delete(LoginSession).where(LoginSession.sid.in_(sids))).rowcount
        db.session.commit()
