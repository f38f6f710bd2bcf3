"""Follow state learnt from Get Profile: a `not_friend` state, and a refresh for unknown contacts.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 07:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD_STATES = ("unknown", "following", "blocked")
NEW_STATES = (*OLD_STATES, "not_friend")


def _states_check(states: tuple[str, ...]) -> str:
    return "follow_state IN ({})".format(", ".join(f"'{state}'" for state in states))


def upgrade():
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contacts_followstate"), type_="check")
        batch_op.alter_column(
            "follow_state", existing_type=sa.String(length=9), type_=sa.String(length=10)
        )
        batch_op.create_check_constraint(op.f("ck_contacts_followstate"), _states_check(NEW_STATES))
    # Friends from before the inbox was connected never sent a follow event: ask LINE again
    # the next time they write, so their state is learnt from Get Profile.
    op.execute(
        sa.text("UPDATE contacts SET profile_fetched_at = NULL WHERE follow_state = 'unknown'")
    )


def downgrade():
    op.execute(
        sa.text("UPDATE contacts SET follow_state = 'unknown' WHERE follow_state = 'not_friend'")
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contacts_followstate"), type_="check")
        batch_op.alter_column(
            "follow_state", existing_type=sa.String(length=10), type_=sa.String(length=9)
        )
        batch_op.create_check_constraint(op.f("ck_contacts_followstate"), _states_check(OLD_STATES))
