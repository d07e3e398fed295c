"""The Alembic environment of every site's database, run through Flask-Migrate: each
``migrations/<site>/env.py`` calls ``run_migrations()``, and the app (``flask --app wsgi:qsm db ...``,
``wsgi:smartship`` or ``wsgi:demo_app``) supplies the engine and the models.

Batch mode (render_as_batch) is on: SQLite cannot ALTER most things, so batch mode copies the table
instead; on PostgreSQL batch operations run as plain ALTER statements, so one revision serves both.
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")


def run_migrations():
    """Run the migrations of the current app's database, online or (``--sql``) offline."""
    config = context.config
    # Leave logging alone when the host process (pytest, devstack) has already set it up.
    if config.config_file_name is not None and not logging.getLogger().handlers:
        fileConfig(config.config_file_name, disable_existing_loggers=False)

    migrate_extension = current_app.extensions["migrate"]
    engine = migrate_extension.db.engine
    target_metadata = migrate_extension.db.metadata
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))

    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, **_configure_arguments(config, migrate_extension)
        )
        with context.begin_transaction():
            context.run_migrations()


def _configure_arguments(config, migrate_extension):
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    arguments = dict(migrate_extension.configure_args)
    arguments.setdefault("process_revision_directives", skip_empty_autogenerate)
    arguments.setdefault("render_as_batch", True)
    arguments.setdefault("compare_type", True)
    return arguments
