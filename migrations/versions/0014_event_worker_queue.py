"""The event worker's queue: chat keys for LINE's order per chat, leases, retry times, and the
original text of events whose payload had to be made storable.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 07:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chat_key", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("original_json", sa.Text(), nullable=True))
        batch_op.create_index("ix_webhook_events_queue", ["state", "event_at", "id"], unique=False)
        batch_op.create_index(
            "ix_webhook_events_chat", ["chat_key", "state", "event_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_chat")
        batch_op.drop_index("ix_webhook_events_queue")
        batch_op.drop_column("original_json")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("chat_key")
