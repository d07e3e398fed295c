"""What expires at SmartShip, and the purge a cron job runs (``flask --app wsgi:smartship purge``)."""
import time

from siteops.purge import purge_in_batches

from .extensions import db
from .models import AccountToken, LoginSession, PendingSignup, SeenLogoutToken

# Ended sessions are kept a day for support questions ("was I logged out?"), then go.
ENDED_SESSION_RETENTION = 24 * 3600


def purge_expired(batch_size=1000, now=None):
    now = int(now if now is not None else time.time())
    counts = {
        "pending_signups": purge_in_batches(db, PendingSignup, PendingSignup.expires_at < now, batch_size),
        "account_tokens": purge_in_batches(db, AccountToken, AccountToken.expires_at < now, batch_size),
        "login_sessions": purge_in_batches(
            db,
            LoginSession,
            db.or_(LoginSession.expires_at < now, LoginSession.ended_at < now - ENDED_SESSION_RETENTION),
            batch_size,
        ),
    }
    # Composite primary key: a plain bounded delete by expiry.
    counts["seen_logout_tokens"] = db.session.execute(
        db.delete(SeenLogoutToken).where(SeenLogoutToken.expires_at < now)
    ).rowcount
    db.session.commit()
    return counts
