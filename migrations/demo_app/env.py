"""Alembic environment of the Parcel Pal database (``flask --app wsgi:demo_app db ...``);
the environment itself, the same for every site, is siteops/alembic_env.py."""
from siteops.alembic_env import run_migrations

run_migrations()
