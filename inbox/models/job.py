"""Background work kept in the database: a restart resumes it, a key stops it doubling."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin, enum_type
from inbox.models.types import JSONType, UTCDateTime, utcnow


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for run_after
    RUNNING = "running"  # claimed until lease_until; a crashed worker's lease runs out
    DONE = "done"
    FAILED = "failed"  # gave up: last_error says why


ACTIVE_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


class Job(CreatedAtMixin, db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_due", "state", "run_after"),
        # One active job per key: enqueuing the same work twice is a no-op until it finishes.
        sa.Index(
            "uq_jobs_active_key",
            "key",
            unique=True,
            sqlite_where=sa.text("state IN ('queued', 'running')"),
            postgresql_where=sa.text("state IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(160))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state: Mapped[JobState] = mapped_column(enum_type(JobState), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
