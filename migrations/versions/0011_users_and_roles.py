"""Users hold several roles; session versions, last sign-in, failed sign-ins.

A session version signs a user out everywhere when bumped; failed sign-ins are counted to
slow down password guessing.

Each user's old single `role` becomes one row in `user_roles`; going down keeps the highest
role a user held (admin, then supervisor, then agent).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 02:14:27.313257

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROLE = sa.Enum('agent', 'supervisor', 'admin', name='role', native_enum=False, create_constraint=True)


def upgrade():
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_key_time', ['scope', 'key', 'created_at'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', ROLE, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_roles_role'), ['role'], unique=False)

    op.execute('INSERT INTO user_roles (user_id, role) SELECT id, role FROM users')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.drop_column('role')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_version', server_default=None)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', ROLE, nullable=False, server_default='agent'))
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('session_version')
    op.execute(
        "UPDATE users SET role = CASE"
        " WHEN EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.role = 'admin') THEN 'admin'"
        " WHEN EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND r.role = 'supervisor') THEN 'supervisor'"
        " ELSE 'agent' END"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None)

    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_roles_role'))

    op.drop_table('user_roles')
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_key_time')

    op.drop_table('sign_in_failures')
