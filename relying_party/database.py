"""A relying party's own database: Flask-SQLAlchemy with named constraints, so Alembic migrations
are identical on SQLite and PostgreSQL (unique constraints named after all their columns)."""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def site_database():
    return SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
