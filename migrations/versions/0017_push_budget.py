"""A channel's daily push budget: quota units its agents may push per UTC day (null: none).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("push_budget_per_day", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("push_budget_per_day")
