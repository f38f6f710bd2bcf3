"""Channel management: enabled switch, token modes, automatic tokens and their renewal state.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 02:14:08.953939

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TOKEN_MODE = sa.Enum(
    "long_lived",
    "v2_short_lived",
    "v21_jwt",
    name="tokenmode",
    native_enum=False,
    create_constraint=True,
)


def upgrade():
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("token_mode", TOKEN_MODE, server_default="long_lived", nullable=False)
        )
        batch_op.add_column(sa.Column("private_key", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("assertion_kid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("token_issued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("token_key_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("token_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("token_error_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("access_token", existing_type=sa.Text(), nullable=True)


def downgrade():
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.alter_column("access_token", existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint(op.f("ck_channels_tokenmode"), type_="check")
        for column in (
            "token_error_at",
            "token_error",
            "token_key_id",
            "token_expires_at",
            "token_issued_at",
            "assertion_kid",
            "private_key",
            "token_mode",
            "enabled",
        ):
            batch_op.drop_column(column)
