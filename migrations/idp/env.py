"""Alembic environment of one site's database, run through Flask-Migrate: the app
(``flask --app wsgi:qsm db ...`` or ``wsgi:smartship``) supplies the engine and the models."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

# Leave logging alone when the host process (pytest, devstack) has already set it up.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
target_metadata = migrate_extension.db.metadata


def engine():
    return migrate_extension.db.engine


config.set_main_option("sqlalchemy.url", engine().url.render_as_string(hide_password=False).replace("%", "%%"))


def skip_empty_autogenerate(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def configure_arguments():
    arguments = dict(migrate_extension.configure_args)
    arguments.setdefault("process_revision_directives", skip_empty_autogenerate)
    # SQLite cannot ALTER most things: batch mode copies the table instead. On PostgreSQL
    # batch operations run as plain ALTER statements, so one revision serves both.
    arguments.setdefault("render_as_batch", True)
    arguments.setdefault("compare_type", True)
    return arguments


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **configure_arguments())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
