"""Admins' page for the labels agents put on conversations (under /admin/labels); the labels
themselves are inbox/labels."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from inbox.admin.blueprint import bp
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.labels import service
from inbox.models import Label, LabelColour, Role
from inbox.models.label import LABEL_NAME_LENGTH


def _page(status: int = 200, **problem: Any) -> ResponseReturnValue:
    """The labels with their forms; `problem` re-fills the form that was refused (`editing`:
    the label's id, None for the new one) with what was typed and why it was refused."""
    return render_template(
        "admin/labels.html",
        labels=service.all_labels(),
        uses=service.usage_counts(),
        colours=[(colour.value, service.COLOUR_NAMES[colour]) for colour in LabelColour],
        name_length=LABEL_NAME_LENGTH,
        problem=problem or None,
    ), status


def _label_or_404(label_id: int) -> Label:
    label = db.session.get(Label, label_id)
    if label is None:
        abort(404)
    return label


def _save(label: Label | None) -> ResponseReturnValue:
    name, colour = request.form.get("name", ""), request.form.get("colour", "")
    try:
        fields = service.checked(name, colour)
        if label is None:
            label = service.create_label(fields)
        else:
            service.update_label(label, fields)
    except service.LabelRefused as refusal:
        status = 409 if isinstance(refusal, service.LabelNameTaken) else 400
        editing = label.id if label is not None else None
        return _page(status, editing=editing, name=name, colour=colour, error=str(refusal))
    flash(_("Saved the label “%(name)s”.", name=label.name), "info")
    return redirect(url_for("admin.labels"))


@bp.get("/labels")
@roles_required(Role.ADMIN)
def labels() -> ResponseReturnValue:
    """The labels agents can put on conversations, to add, rename, recolour and delete."""
    return _page()


@bp.post("/labels")
@roles_required(Role.ADMIN)
def new_label() -> ResponseReturnValue:
    """Add a label."""
    return _save(None)


@bp.post("/labels/<int:label_id>")
@roles_required(Role.ADMIN)
def edit_label(label_id: int) -> ResponseReturnValue:
    """Rename or recolour a label."""
    return _save(_label_or_404(label_id))


@bp.post("/labels/<int:label_id>/delete")
@roles_required(Role.ADMIN)
def delete_label(label_id: int) -> ResponseReturnValue:
    """Delete a label: it comes off every conversation carrying it."""
    label = _label_or_404(label_id)
    name, count = label.name, service.usage_counts().get(label.id, 0)
    service.delete_label(label)
    flash(
        ngettext(
            "Deleted the label “%(name)s”; it came off %(num)d conversation.",
            "Deleted the label “%(name)s”; it came off %(num)d conversations.",
            count,
            name=name,
        ),
        "info",
    )
    return redirect(url_for("admin.labels"))
