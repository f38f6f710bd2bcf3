"""Routing and snooze: each channel's routing mode and per-agent cap, the round-robin order
and agents' absences routing keeps, and until when each conversation is snoozed.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 14:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

ROUTING_MODE = sa.Enum(
    "manual",
    "round_robin",
    name="routingmode",
    native_enum=False,
    create_constraint=True,
)


def upgrade():
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routing_mode", ROUTING_MODE, server_default="manual", nullable=False)
        )
        batch_op.add_column(
            sa.Column("routing_cap", sa.Integer(), server_default="10", nullable=False)
        )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_conversations_snoozed_until"), ["snoozed_until"], unique=False
        )
    op.create_table(
        "routing_turns",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_routing_turns_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_routing_turns_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_routing_turns")),
    )
    op.create_table(
        "agent_absences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_agent_absences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_agent_absences")),
    )


def downgrade():
    op.drop_table("agent_absences")
    op.drop_table("routing_turns")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_snoozed_until"))
        batch_op.drop_column("snoozed_until")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_channels_routingmode"), type_="check")
        batch_op.drop_column("routing_cap")
        batch_op.drop_column("routing_mode")
