"""The Alembic revisions of each site (migrations/idp, migrations/smartship, migrations/demo_app)
build exactly the schema that site's models describe.

Each test runs on a fresh database: a temporary PostgreSQL database beside QSM_TEST_DATABASE_URL
when that points at PostgreSQL, a temporary SQLite file otherwise.
"""
import os
import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

import clients.demo_app
import clients.demo_app.extensions
import clients.smartship
import clients.smartship.extensions
import idp
import idp.extensions
from config import ROOT
from siteops.database import dispose_engines

SITES = {
    "qsm": (idp.create_app, idp.extensions.db, ROOT / "migrations" / "idp"),
    "smartship": (clients.smartship.create_app, clients.smartship.extensions.db, ROOT / "migrations" / "smartship"),
    "demo_app": (clients.demo_app.create_demo_app, clients.demo_app.extensions.db, ROOT / "migrations" / "demo_app"),
}


@pytest.fixture(params=list(SITES))
def site(request):
    return request.param


@pytest.fixture
def migration_database_url(tmp_path):
    server_url = os.environ.get("QSM_TEST_DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"qsm_mig_{secrets.token_hex(6)}"
    maintenance = sa.create_engine(sa.make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with maintenance.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()


@pytest.fixture
def db(site, migration_database_url):
    """The site's database handle, inside an app bound to the fresh database."""
    create_app, database, _ = SITES[site]
    app = create_app("testing", test_config={"SQLALCHEMY_DATABASE_URI": migration_database_url})
    with app.app_context():
        yield database
        database.session.remove()
        dispose_engines(app, database)


def schema_differences(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names(db):
    return set(sa.inspect(db.engine).get_table_names())


def test_revisions_form_a_single_line(site):
    script = ScriptDirectory(str(SITES[site][2]))
    assert len(script.get_heads()) == 1, "two branches added revisions: run `flask db merge heads`"
    assert len(script.get_bases()) == 1


def test_upgrade_to_head_builds_exactly_the_models_schema(db):
    upgrade()
    assert table_names(db) == set(db.metadata.tables) | {"alembic_version"}
    assert schema_differences(db) == [], "the models changed: see migrations/README"


def test_downgrade_to_base_removes_every_table_and_upgrades_again(db):
    upgrade()
    downgrade(revision="base")
    assert table_names(db) == {"alembic_version"}
    upgrade()
    assert schema_differences(db) == []


@pytest.mark.parametrize("site", ["qsm"])
def test_migrated_qsm_database_accepts_the_demo_data(db):
    from idp.demo import seed_demo
    from idp.models import Order, Seller

    upgrade()
    sellers = seed_demo()
    assert {s.email for s in sellers} <= set(db.session.execute(sa.select(Seller.email)).scalars())
    assert db.session.execute(sa.select(sa.func.count(Order.id))).scalar() > 0


# --- the services the rest of the suite runs on (.ci/run's second run sets these) ---------


def test_app_fixture_runs_on_the_database_and_rate_limit_storage_named_in_the_environment(app):
    assert idp.extensions.db.engine.url == sa.make_url(os.environ.get("QSM_TEST_DATABASE_URL") or "sqlite://")
    assert app.config["RATELIMIT_STORAGE_URI"] == (os.environ.get("QSM_TEST_REDIS_URL") or "memory://")


def test_smartship_testing_config_runs_on_the_database_and_rate_limit_storage_named_in_the_environment():
    app = clients.smartship.create_app("testing")
    expected = os.environ.get("SMARTSHIP_TEST_DATABASE_URL") or "sqlite://"
    assert sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]) == sa.make_url(expected)
    assert app.config["RATELIMIT_STORAGE_URI"] == (os.environ.get("QSM_TEST_REDIS_URL") or "memory://")
