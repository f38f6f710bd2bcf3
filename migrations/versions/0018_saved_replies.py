"""Saved replies: the team's and each person's own, inserted into the composer by shortcut.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 14:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TEAM_ONLY = sa.text("owner_id IS NULL")


def upgrade():
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_replies_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_replies")),
        sa.UniqueConstraint("owner_id", "shortcut", name="uq_saved_replies_owner_shortcut"),
    )
    with op.batch_alter_table("saved_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_replies_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "uq_saved_replies_team_shortcut",
            ["shortcut"],
            unique=True,
            sqlite_where=TEAM_ONLY,
            postgresql_where=TEAM_ONLY,
        )


def downgrade():
    with op.batch_alter_table("saved_replies", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_saved_replies_team_shortcut", sqlite_where=TEAM_ONLY, postgresql_where=TEAM_ONLY
        )
        batch_op.drop_index(batch_op.f("ix_saved_replies_owner_id"))
    op.drop_table("saved_replies")
