"""The purge keeps QSM's protocol tables flat: expired codes, tokens and families go, live ones stay."""
import json
import secrets

from idp.clock import now
from idp.extensions import db
from idp.housekeeping import purge_expired
from idp.models import AuthorizationCode, RevokedClientToken, Token, TokenFamily


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def issue(seller, oauth_client, at, n, refresh_ttl=None):
    for _ in range(n):
        family = TokenFamily(id=secrets.token_hex(16), client_pk=oauth_client.id, seller_pk=seller.id, created_at=at)
        db.session.add(family)
        db.session.flush()  # no relationship orders these inserts: the family must exist first
        db.session.add(
            Token(
                family_id=family.id,
                client_pk=oauth_client.id,
                seller_pk=seller.id,
                scope="openid",
                access_token_hash=secrets.token_hex(32),
                refresh_token_hash=secrets.token_hex(32) if refresh_ttl else None,
                issued_at=at,
                access_expires_at=at + 3600,
                refresh_expires_at=at + refresh_ttl if refresh_ttl else None,
            )
        )
        db.session.add(
            AuthorizationCode(
                code_hash=secrets.token_hex(32), client_pk=oauth_client.id, seller_pk=seller.id, redirect_uri="https://app.example/callback",
                auth_time=at, code_challenge="x" * 43, expires_at=at + 60, redeemed_at=at + 1, family_id=family.id,
            )
        )
    db.session.commit()


def test_purge_removes_what_expired_and_keeps_what_lives(seller, make_client):
    oauth_client = make_client()
    t = now()
    issue(seller, oauth_client, t - 10 * 3600, 12)  # long expired
    issue(seller, oauth_client, t - 10 * 3600, 2, refresh_ttl=30 * 24 * 3600)  # access expired, refresh alive
    issue(seller, oauth_client, t, 3)  # alive
    counts = purge_expired(batch_size=5, now=t)
    assert counts["authorization_codes"] == 14 and counts["tokens"] == 12 and counts["token_families"] == 12
    assert count(Token) == 5 and count(TokenFamily) == 5 and count(AuthorizationCode) == 3


def test_tables_stay_flat_under_steady_traffic(seller, make_client):
    oauth_client = make_client()
    start = now()
    sizes = []
    for hour in range(6):
        at = start + hour * 7200
        issue(seller, oauth_client, at, 10)
        purge_expired(now=at + 1)
        sizes.append((count(Token), count(AuthorizationCode)))
    assert sizes[-1] == sizes[1] and max(s[0] for s in sizes) <= 10


def test_a_revoked_client_token_is_kept_until_it_would_have_expired(make_client):
    oauth_client = make_client(grant_types=("client_credentials",))
    t = now()
    for expires_at in (t - 1, t - 3600, t + 1, t + 3600):
        db.session.add(
            RevokedClientToken(
                token_hash=secrets.token_hex(32), client_pk=oauth_client.id, expires_at=expires_at, revoked_at=t - 7200
            )
        )
    db.session.commit()
    assert purge_expired(batch_size=1, now=t)["revoked_client_tokens"] == 2
    assert sorted(db.session.scalars(db.select(RevokedClientToken.expires_at))) == [t + 1, t + 3600]


def test_purge_command(app):
    result = app.test_cli_runner().invoke(args=["purge", "--batch-size", "50"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {
        "authorization_codes",
        "tokens",
        "token_families",
        "login_sessions",
        "pushed_authorization_requests",
        "revoked_client_tokens",
        "audit_events",
        "signing_keys",
    }


def test_purge_removes_finished_login_sessions_and_old_audit_events(seller, make_client):
    from datetime import timedelta

    from idp.models import AuditEvent, LoginSession, SessionClient
    from idp.models.seller import utcnow

    oauth_client = make_client()
    t = now()
    db.session.add_all(
        [
            LoginSession(
                sid="expired", seller_pk=seller.id, auth_time=t - 90000, created_at=t - 90000, expires_at=t - 10
            ),
            LoginSession(
                sid="ended-long-ago",
                seller_pk=seller.id,
                auth_time=t - 200000,
                created_at=t - 200000,
                expires_at=t + 999,
                ended_at=t - 100000,
            ),
            LoginSession(
                sid="ended-just-now", seller_pk=seller.id, auth_time=t, created_at=t, expires_at=t + 999, ended_at=t - 5
            ),
            LoginSession(sid="live", seller_pk=seller.id, auth_time=t, created_at=t, expires_at=t + 999),
        ]
    )
    db.session.flush()
    db.session.add(SessionClient(sid="expired", client_pk=oauth_client.id))
    db.session.add_all([
        AuditEvent(seller_pk=seller.id, kind="login_succeeded", created_at=utcnow() - timedelta(days=400)),
        AuditEvent(seller_pk=seller.id, kind="login_succeeded", created_at=utcnow()),
    ])
    db.session.commit()
    counts = purge_expired(now=t)
    assert counts["login_sessions"] == 2 and counts["audit_events"] == 1
    assert sorted(db.session.execute(db.select(LoginSession.sid)).scalars()) == ["ended-just-now", "live"]
    assert db.session.execute(db.select(SessionClient)).first() is None
