"""The reports' per-label breakdown: requests opened and resolved, and resolution times, for
the conversations carrying each label (see docs/REPORTS.md, "Per label").

Labels have no history: a conversation counts under the labels it carries when the report
runs. One carrying two labels counts under both, so the rows do not add up to the total; the
"no label" row holds the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import ConversationEpisode, Label, conversation_labels
from inbox.reports.metrics import Durations, ReportFilters

BATCH = 1000


@dataclass
class LabelFigures:
    label: Label | None  # None: the conversations carrying no label
    opened: int = 0  # episodes (requests) opened in the range
    resolution: Durations = field(default_factory=Durations)  # episodes resolved in the range

    @property
    def resolved(self) -> int:
        return self.resolution.count


def _episodes(filters: ReportFilters, moment: sa.ColumnElement, *columns: Any) -> sa.Select:
    """Episodes whose `moment` falls in the range, with the label of each conversation that
    carries one (NULL for those carrying none: an outer join)."""
    Episode = ConversationEpisode
    statement = (
        sa.select(conversation_labels.c.label_id, *columns)
        .select_from(Episode)
        .outerjoin(
            conversation_labels, conversation_labels.c.conversation_id == Episode.conversation_id
        )
        .where(moment >= filters.since, moment < filters.until)
    )
    if filters.channel_id is not None:
        statement = statement.where(Episode.channel_id == filters.channel_id)
    return statement


def label_breakdown(filters: ReportFilters) -> list[LabelFigures]:
    """A row per label (by name, those with nothing in the range too), then the unlabelled."""
    Episode = ConversationEpisode
    rows: dict[int | None, LabelFigures] = {
        label.id: LabelFigures(label)
        for label in db.session.scalars(sa.select(Label).order_by(Label.name_key))
    }
    rows[None] = LabelFigures(None)
    opened = _episodes(filters, Episode.opened_at, sa.func.count()).group_by(
        conversation_labels.c.label_id
    )
    for label_id, count in db.session.execute(opened):
        if label_id in rows:
            rows[label_id].opened = count
    resolved = _episodes(filters, Episode.resolved_at, Episode.opened_at, Episode.resolved_at)
    for row in db.session.execute(resolved.execution_options(yield_per=BATCH)):
        if row.label_id in rows:
            rows[row.label_id].resolution.add(row.opened_at, row.resolved_at)
    return list(rows.values())


LABEL_COLUMNS = (
    "label_id", "label", "conversations_opened", "resolved", "resolution_median_s",
    "resolution_p90_s",
)  # fmt: skip


def label_rows(breakdown: list[LabelFigures], unlabelled: str) -> Iterator[list[Any]]:
    """The breakdown as CSV rows; `unlabelled` names the row of conversations without one."""
    yield list(LABEL_COLUMNS)
    for figures in breakdown:
        label = figures.label
        yield [
            label.id if label else "", label.name if label else unlabelled, figures.opened,
            figures.resolved, figures.resolution.median if figures.resolved else "",
            figures.resolution.p90 if figures.resolved else "",
        ]  # fmt: skip
