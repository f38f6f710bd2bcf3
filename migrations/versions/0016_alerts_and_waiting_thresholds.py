"""Alerts and waiting times: each person's alert settings, each channel's amber and red
thresholds for a waiting customer, and since when each conversation's customer has waited
(worked out from the threads for conversations that are not resolved).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ALERT_COLUMNS = (
    "alert_new_conversations",
    "alert_assigned_messages",
    "alert_mentions",
    "alert_desktop",
    "alert_sound",
)

# The customer's oldest message after the last answer LINE did not refuse (as
# inbox.conversations.waiting.unanswered_since says it).
BACKFILL_WAITING = """
UPDATE conversations SET waiting_since = (
    SELECT MIN(asked.sent_at) FROM messages AS asked
    WHERE asked.conversation_id = conversations.id
      AND asked.direction = 'incoming'
      AND NOT EXISTS (
          SELECT 1 FROM messages AS answer
          WHERE answer.conversation_id = conversations.id
            AND answer.direction = 'outgoing'
            AND answer.delivery_state <> 'failed'
            AND answer.sent_at >= asked.sent_at
      )
)
WHERE status <> 'resolved'
"""


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in ALERT_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.true(), nullable=False)
            )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waiting_amber_minutes", sa.Integer(), server_default="5", nullable=False)
        )
        batch_op.add_column(
            sa.Column("waiting_red_minutes", sa.Integer(), server_default="15", nullable=False)
        )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(sa.text(BACKFILL_WAITING))


def downgrade():
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("waiting_since")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("waiting_red_minutes")
        batch_op.drop_column("waiting_amber_minutes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        for name in reversed(ALERT_COLUMNS):
            batch_op.drop_column(name)
