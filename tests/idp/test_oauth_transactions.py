"""What one grant writes commits together or not at all, and writes that two requests can race
on are settled in the database."""
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import OperationalError

from idp.digests import digest
from idp.extensions import db
from idp.models import SessionClient
from tests.support.oauth import basic_auth
from tests.support.pages import query_of
from tests.support.statements import listening, outside_transaction


@contextmanager
def failing(statement_part):
    """The first statement that holds ``statement_part`` fails as a lost connection would (on
    PostgreSQL a refresh stores its successor in a statement that starts with the spend)."""

    def fail(conn, cursor, statement, *args):
        if statement_part in statement and not state["failed"]:
            state["failed"] = True
            raise OperationalError(statement, {}, Exception("connection lost"))

    state = {"failed": False}
    with listening(fail):
        yield state


@pytest.fixture
def grant(seller, auth, client, flow):
    auth.login()
    f = flow(trusted=True)
    return f, basic_auth(f.oauth_client.client_id, f.oauth_client.plain_secret)


def exchange_data(f, code):
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f.oauth_client.redirect_uris[0],
        "code_verifier": f.verifier,
    }


def test_a_refresh_that_fails_before_its_successor_is_stored_leaves_the_old_token_usable(client, grant):
    f, headers = grant
    tokens = f.tokens(scope="openid offline_access")
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    with failing("INSERT INTO tokens") as state:
        response = client.post("/oauth/token", data=refresh, headers=headers)
    assert state["failed"] and response.status_code == 503
    # The spend was rolled back with it: the retry is no reuse, and the grant lives.
    retry = client.post("/oauth/token", data=refresh, headers=headers)
    assert retry.status_code == 200, retry.get_json()
    assert (
        client.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": retry.get_json()["refresh_token"]},
            headers=headers,
        ).status_code
        == 200
    )


def test_a_code_exchange_that_fails_before_its_tokens_are_stored_can_be_retried(client, grant):
    f, headers = grant
    code = f.get_code(scope="openid offline_access")
    with failing("INSERT INTO tokens") as state:
        response = client.post("/oauth/token", data=exchange_data(f, code), headers=headers)
    assert state["failed"] and response.status_code == 503
    retry = client.post("/oauth/token", data=exchange_data(f, code), headers=headers)
    assert retry.status_code == 200, retry.get_json()
    # ... and it is still single-use.
    assert client.post("/oauth/token", data=exchange_data(f, code), headers=headers).status_code == 400


def test_a_failed_code_exchange_leaves_no_token_family_behind(client, grant):
    from idp.models import TokenFamily

    f, headers = grant
    code = f.get_code(scope="openid")
    before = db.session.execute(db.select(db.func.count()).select_from(TokenFamily)).scalar()
    with failing("INSERT INTO tokens"):
        client.post("/oauth/token", data=exchange_data(f, code), headers=headers)
    assert db.session.execute(db.select(db.func.count()).select_from(TokenFamily)).scalar() == before


def test_two_authorizations_at_once_in_one_session_both_get_a_code(client, grant):
    """The other request records (session, client) between this one's start and its insert."""
    f, headers = grant
    with client.session_transaction() as session:
        sid = session["sid"]

    def other_request_first(conn, cursor, statement, parameters, *args):
        if statement.startswith("INSERT INTO session_clients") and not done:
            done.append(True)
            with db.engine.connect() as other:
                other.execute(db.insert(SessionClient).values(sid=sid, client_pk=f.oauth_client.id))
                other.commit()

    done = []
    with listening(other_request_first):
        response = f.authorize(scope="openid")
    assert done and response.status_code == 302, response.get_data(as_text=True)
    assert "code" in query_of(response.location)
    rows = db.session.execute(db.select(SessionClient).filter_by(sid=sid)).scalars().all()
    assert len(rows) == 1


def test_userinfo_and_introspection_read_outside_a_transaction(app, client, grant):
    """As in production, where no test holds the session open: the reads of these endpoints run
    in autocommit, so no BEGIN/ROLLBACK round trips (and no rollback drops prepared statements)."""
    f, headers = grant
    tokens = f.tokens(scope="openid offline_access")
    db.session.commit()
    db.session.remove()  # the request starts with a fresh session, as in production
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append((statement.split()[0], outside_transaction(conn)))

    with listening(record):
        assert (
            client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
            == 200
        )
        db.session.remove()
        assert client.post("/oauth/introspect", data={"token": tokens["access_token"]}, headers=headers).get_json()[
            "active"
        ]
    assert seen and all(autocommit is True for _, autocommit in seen), seen
    # With nothing in the session beforehand: UserInfo one query, introspection one.
    assert [statement for statement, _ in seen] == ["SELECT"] * 2, seen


def test_a_client_token_is_issued_without_a_write(app, client, make_client):
    from idp.models import RevokedClientToken, Token

    machine = make_client(redirect_uris=[], scope="qsm.orders.read", grant_types=("client_credentials",))
    headers = basic_auth(machine.client_id, machine.plain_secret)
    machine_pk = machine.id
    db.session.commit()
    db.session.remove()
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append((statement.split()[0], outside_transaction(conn)))

    with listening(record):
        response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert response.status_code == 200
    assert seen == [("SELECT", True)], seen  # the client, read outside any transaction
    assert db.session.execute(db.select(Token).filter_by(client_pk=machine_pk)).first() is None
    # Revoked, it is dead at once: its revocation is the one row it ever has.
    token = response.get_json()["access_token"]
    assert client.post("/oauth/revoke", data={"token": token}, headers=headers).status_code == 200
    assert client.post("/oauth/introspect", data={"token": token}, headers=headers).get_json() == {"active": False}
    revoked = db.session.execute(db.select(RevokedClientToken)).scalar_one()
    assert revoked.client_pk == machine_pk and revoked.token_hash == digest(token)


def test_token_grants_from_a_fresh_session_need_no_more_statements(client, grant):
    """The query budget (test_oauth_query_budget.py) holds when nothing is in the session yet."""
    f, headers = grant
    data = exchange_data(f, f.get_code(scope="openid offline_access"))
    client.get("/oauth/jwks")  # the key cache is warm, as in a running process
    db.session.commit()
    db.session.remove()
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement.split()[0])

    with listening(record):
        tokens = client.post("/oauth/token", data=data, headers=headers).get_json()
        exchanged, seen[:] = list(seen), []
        db.session.remove()
        refreshed = client.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            headers=headers,
        )
    assert "id_token" in tokens and refreshed.status_code == 200 and "id_token" in refreshed.get_json()
    assert exchanged == ["SELECT", "SELECT", "INSERT", "UPDATE", "INSERT"], exchanged
    # A refresh: the client, token and seller in one query; then the spend and the successor,
    # one statement on PostgreSQL, one transaction of two elsewhere.
    postgresql = db.engine.dialect.name == "postgresql"
    assert seen == (["SELECT", "WITH"] if postgresql else ["SELECT", "UPDATE", "INSERT"]), seen
