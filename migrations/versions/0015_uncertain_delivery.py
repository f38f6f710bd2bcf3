"""Outgoing messages can be `uncertain` (a reply LINE may have delivered, its answer lost), and
remember when their retry key was made (LINE honours one for 24 hours).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD_STATES = ("pending", "sent", "failed")
NEW_STATES = (*OLD_STATES, "uncertain")


def _states_check(states: tuple[str, ...]) -> str:
    return "delivery_state IN ({})".format(", ".join(f"'{state}'" for state in states))


def upgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_messages_deliverystate"), type_="check")
        batch_op.alter_column(
            "delivery_state", existing_type=sa.String(length=7), type_=sa.String(length=9)
        )
        batch_op.create_check_constraint(
            op.f("ck_messages_deliverystate"), _states_check(NEW_STATES)
        )
        batch_op.add_column(sa.Column("retry_key_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        sa.text("UPDATE messages SET retry_key_at = created_at WHERE retry_key IS NOT NULL")
    )


def downgrade():
    op.execute(
        sa.text("UPDATE messages SET delivery_state = 'failed' WHERE delivery_state = 'uncertain'")
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("retry_key_at")
        batch_op.drop_constraint(op.f("ck_messages_deliverystate"), type_="check")
        batch_op.alter_column(
            "delivery_state", existing_type=sa.String(length=9), type_=sa.String(length=7)
        )
        batch_op.create_check_constraint(
            op.f("ck_messages_deliverystate"), _states_check(OLD_STATES)
        )
