"""The purge removes what expired, in batches, and keeps what is alive."""
import json
import time

from clients.smartship.extensions import db
from clients.smartship.housekeeping import purge_expired
from clients.smartship.models import AccountToken, LoginSession, PendingSignup, SeenLogoutToken


def add_rows(account, now, expired, alive):
    for i in range(expired):
        db.session.add(
            PendingSignup(
                handle_hash=f"old{i:061d}",
                platform="p",
                sub=f"s{i}",
                claims_json="{}",
                token_encrypted="x",
                expires_at=now - 10,
            )
        )
        db.session.add(
            AccountToken(
                token_hash=f"old{i:061d}",
                purpose="reset",
                account_id=account.id,
                credentials_version=1,
                email="e",
                expires_at=now - 10,
            )
        )
        db.session.add(
            LoginSession(
                token_hash=f"old{i:061d}",
                account_id=account.id,
                via="password",
                created_at=now - 100,
                expires_at=now - 10,
            )
        )
        db.session.add(SeenLogoutToken(jti=f"old{i}", platform="p", expires_at=now - 10))
    for i in range(alive):
        db.session.add(
            PendingSignup(
                handle_hash=f"new{i:061d}",
                platform="p",
                sub=f"n{i}",
                claims_json="{}",
                token_encrypted="x",
                expires_at=now + 600,
            )
        )
        db.session.add(
            AccountToken(
                token_hash=f"new{i:061d}",
                purpose="reset",
                account_id=account.id,
                credentials_version=1,
                email="e",
                expires_at=now + 600,
            )
        )
        db.session.add(
            LoginSession(
                token_hash=f"new{i:061d}", account_id=account.id, via="password", created_at=now, expires_at=now + 600
            )
        )
        db.session.add(SeenLogoutToken(jti=f"new{i}", platform="p", expires_at=now + 600))
    db.session.commit()


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def test_purge_removes_only_expired_rows_in_batches(make_account):
    account = make_account("acct", "a@example.com")
    now = int(time.time())
    add_rows(account, now, expired=25, alive=3)
    counts = purge_expired(batch_size=7, now=now)
    assert counts == {"pending_signups": 25, "account_tokens": 25, "login_sessions": 25, "seen_logout_tokens": 25}
    for model in (PendingSignup, AccountToken, LoginSession, SeenLogoutToken):
        assert count(model) == 3


def test_tables_stay_flat_under_steady_traffic(smartship_app):
    now = int(time.time())
    sizes = []
    for minute in range(5):
        for i in range(20):
            db.session.add(
                PendingSignup(
                    handle_hash=f"m{minute}-{i:03d}".ljust(64, "0"),
                    platform="p",
                    sub=f"m{minute}-{i}",
                    claims_json="{}",
                    token_encrypted="x",
                    expires_at=now + minute * 1000 + 60,
                )
            )
        db.session.commit()
        purge_expired(now=now + minute * 1000)
        sizes.append(count(PendingSignup))
    assert sizes == [20, 20, 20, 20, 20]


def test_purge_command(smartship_app):
    result = smartship_app.test_cli_runner().invoke(args=["purge", "--batch-size", "10"])
    assert result.exit_code == 0 and set(json.loads(result.output)) == {
        "pending_signups",
        "account_tokens",
        "login_sessions",
        "seen_logout_tokens",
    }
