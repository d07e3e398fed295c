"""Alembic environment of the SmartShip database (``flask --app wsgi:smartship db ...``);
the environment itself, the same for every site, is siteops/alembic_env.py."""
from siteops.alembic_env import run_migrations

run_migrations()
