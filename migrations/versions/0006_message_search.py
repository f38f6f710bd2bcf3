"""Full-text search over messages: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 01:10:00

The table is not in the SQLAlchemy models (an FTS5 table cannot be described there); the
schema check in tests/test_migrations.py leaves it out. Terms come from
inbox/history/terms.py (see its docstring); existing messages are indexed here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # 'ascii' splits only on ASCII spaces and punctuation: our terms reach the index as made.
        op.execute("CREATE VIRTUAL TABLE message_search USING fts5(terms, tokenize='ascii')")
    else:
        op.execute(
            "CREATE TABLE message_search ("
            " message_id integer PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
            " terms tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_message_search_terms ON message_search USING gin (terms)")
    from inbox.history.index import reindex

    connection = op.get_bind()
    last = 0
    while True:
        ids = (
            connection.execute(
                sa.text("SELECT id FROM messages WHERE id > :last ORDER BY id LIMIT 1000"),
                {"last": last},
            )
            .scalars()
            .all()
        )
        if not ids:
            break
        reindex(connection, list(ids))
        last = ids[-1]


def downgrade():
    op.execute("DROP TABLE message_search")
