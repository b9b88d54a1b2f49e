"""The schema changes only through migrations, and the migrations build exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db


def test_migrations_build_the_schema_of_the_models(empty_app) -> None:
    with empty_app.app_context():
        upgrade()

        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)

        assert drift == []
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables


def test_migrations_downgrade_to_an_empty_database(empty_app) -> None:
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")

        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
