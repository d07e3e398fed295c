"""siteops.statements: hot-path statements on the driver's cursor behave as SQLAlchemy's own
execution would, for rows, commits, listeners and errors."""
import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError

from idp.extensions import db
from idp.models import Seller
from siteops.statements import Statement
from tests.support.statements import statements

SELLER_BY_EMAIL = Statement(
    db.select(Seller.__table__.c.sub, Seller.__table__.c.shop_name).where(
        Seller.__table__.c.email == db.bindparam("email")
    )
)
RENAME_SHOP = Statement(
    db.update(Seller.__table__)
    .where(Seller.__table__.c.id == db.bindparam("seller_pk"))
    .values(shop_name=db.bindparam("name"), updated_at=db.bindparam("at"))
)
COPY_EMAIL = Statement(
    db.insert(Seller.__table__).values(
        sub=db.bindparam("sub"),
        seller_id=db.bindparam("seller_id"),
        email=db.bindparam("email"),
        email_verified=True,
        password_hash="x",
        credentials_version=1,
        shop_name="Copy",
        contact_name="Copy",
        created_at=db.func.current_timestamp(),
        updated_at=0,
    )
)


def test_a_row_is_a_named_tuple_and_a_miss_is_none(app, seller):
    with db.engine.connect() as connection:
        row = SELLER_BY_EMAIL.first(connection, {"email": seller.email})
        assert row.sub == seller.sub and row.shop_name == seller.shop_name
        assert SELLER_BY_EMAIL.first(connection, {"email": "nobody@example.com"}) is None


def test_a_write_is_committed(app, seller):
    with db.engine.connect() as connection:
        RENAME_SHOP.write(connection, {"seller_pk": seller.id, "name": "Renamed", "at": 1})
    db.session.remove()
    assert db.session.get(Seller, seller.id).shop_name == "Renamed"


def test_listeners_see_each_statement(app, seller):
    email = seller.email
    with statements() as seen, db.engine.connect() as connection:
        SELLER_BY_EMAIL.first(connection, {"email": email})
    assert len(seen) == 1 and seen[0].startswith("SELECT")


def test_a_driver_error_is_sqlalchemys_and_the_connection_stays_usable(app, seller):
    with db.engine.connect() as connection:
        with pytest.raises(IntegrityError):  # the email is unique
            COPY_EMAIL.write(connection, {"sub": "another-sub", "seller_id": "S-COPY", "email": seller.email})
        connection.connection.dbapi_connection.rollback()
        assert SELLER_BY_EMAIL.first(connection, {"email": seller.email}) is not None


def test_a_lost_connection_is_invalidated(app, tmp_path, monkeypatch):
    """Handed back to the pool, a broken connection would fail every request that gets it, and
    the other engine's pooled connections are suspect too (pinged at checkout: noted as lost).
    On an engine of its own: the tests' in-memory SQLite database lives in one connection."""
    import siteops.database

    monkeypatch.setattr(siteops.database, "_connection_lost_at", siteops.database._connection_lost_at)
    url = db.engine.url if db.engine.dialect.name == "postgresql" else f"sqlite:///{tmp_path / 'probe.db'}"
    engine = create_engine(url)
    probe = Statement(db.select(db.literal(1).label("one")))
    invalidated = []

    def record(dbapi_connection, record, exception):
        invalidated.append(exception)

    pool = engine.pool
    event.listen(pool, "invalidate", record)
    try:
        with engine.connect() as connection:
            assert probe.first(connection, {}).one == 1
            connection.connection.dbapi_connection.close()  # as when the server goes away
            before = siteops.database.time.monotonic()
            with pytest.raises(DBAPIError) as raised:
                probe.first(connection, {})
        assert raised.value.connection_invalidated and invalidated == [raised.value.orig]
        assert siteops.database._connection_lost_at >= before
        assert engine.pool is not pool  # the others of its time are not handed out again
        with engine.connect() as connection:  # the pool made a new one
            assert probe.first(connection, {}).one == 1
    finally:
        engine.dispose()
