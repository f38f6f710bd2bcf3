"""The schema the migrations build is exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from inbox.extensions import db
from inbox.history.index import include_in_schema_check


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_in_schema_check}
        )
        return compare_metadata(context, db.metadata)


def test_migrated_schema_equals_models(app) -> None:
    assert schema_differences() == []


def test_downgrade_to_empty_and_upgrade_again(app) -> None:
    downgrade(revision="base")
    with db.engine.connect() as connection:
        remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert remaining == set()  # the search table (and FTS5's own tables) went too
    upgrade()
    assert schema_differences() == []
