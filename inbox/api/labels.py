"""/api/labels (everyone in the inbox reads them; admins define them) and the labels on a
conversation (agents put them on and take them off)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from inbox.api.actions import with_last_message
from inbox.api.input import BadInput, id_or_null_field, json_object, text_field
from inbox.api.routes import bp, conversation_or_404
from inbox.api.serializers import iso, label_json
from inbox.auth import roles_required
from inbox.extensions import db
from inbox.labels import service
from inbox.models import Label, Role


def label_detail_json(label: Label, uses: int) -> dict[str, Any]:
    return {
        **label_json(label),
        "conversations": uses,
        "created_at": iso(label.created_at),
        "updated_at": iso(label.updated_at),
    }


def _label_or_404(label_id: int) -> Label:
    label = db.session.get(Label, label_id)
    if label is None:
        abort(404, _("There is no label %(id)d.", id=label_id))
    return label


def _fields(body: dict[str, Any], current: Label | None = None) -> service.LabelFields:
    """The JSON's name and colour (on a PATCH, a missing one stays as it is)."""
    name = current.name if current is not None and "name" not in body else None
    colour = current.colour.value if current is not None and "colour" not in body else None
    if name is None:
        name = text_field(body, "name", _("name must be text."))
    if colour is None:
        colour = text_field(body, "colour", _("colour must be one of the palette's names."))
    try:
        return service.checked(name, colour)
    except service.LabelRefused as refusal:
        raise BadInput(str(refusal)) from None


def _saved(change: Any, *args: Any) -> Label:
    try:
        return change(*args)
    except service.LabelNameTaken as refusal:
        abort(409, str(refusal))


@bp.get("/labels")
@roles_required(Role.AGENT, Role.SUPERVISOR)
def labels() -> ResponseReturnValue:
    """Every label by name, with how many conversations carry each."""
    uses = service.usage_counts()
    return jsonify(
        labels=[label_detail_json(label, uses.get(label.id, 0)) for label in service.all_labels()]
    )


@bp.post("/labels")
@roles_required(Role.ADMIN)
def create_label() -> ResponseReturnValue:
    """Define a label: `{name, colour}`; a name another label has (whatever its case) is 409."""
    label = _saved(service.create_label, _fields(json_object()))
    return jsonify(label_detail_json(label, 0)), 201


@bp.patch("/labels/<int:label_id>")
@roles_required(Role.ADMIN)
def update_label(label_id: int) -> ResponseReturnValue:
    """Rename and/or recolour a label: `name`, `colour`."""
    label = _label_or_404(label_id)
    label = _saved(service.update_label, label, _fields(json_object(), label))
    return jsonify(label_detail_json(label, service.usage_counts().get(label.id, 0)))


@bp.delete("/labels/<int:label_id>")
@roles_required(Role.ADMIN)
def delete_label(label_id: int) -> ResponseReturnValue:
    """Delete a label: it comes off every conversation."""
    service.delete_label(_label_or_404(label_id))
    return "", 204


@bp.post("/conversations/<int:conversation_id>/labels")
@roles_required(Role.AGENT)
def add_conversation_label(conversation_id: int) -> ResponseReturnValue:
    """Put a label on the conversation: `{"label_id"}`. Answers the conversation as the list
    shows it; adding a label it has changes nothing."""
    conversation = conversation_or_404(conversation_id)
    body = json_object()
    refusal = _("label_id must be a label's id.")
    label_id = id_or_null_field(body, "label_id", refusal) if "label_id" in body else None
    if label_id is None:
        raise BadInput(refusal)
    label = db.session.get(Label, label_id)
    if label is None:
        raise BadInput(_("There is no label %(id)d.", id=label_id))
    service.add_label(conversation, label, current_user._get_current_object())
    return jsonify(with_last_message(conversation))


@bp.delete("/conversations/<int:conversation_id>/labels/<int:label_id>")
@roles_required(Role.AGENT)
def remove_conversation_label(conversation_id: int, label_id: int) -> ResponseReturnValue:
    """Take a label off the conversation; taking off one it does not have changes nothing."""
    conversation = conversation_or_404(conversation_id)
    service.remove_label(conversation, _label_or_404(label_id), current_user._get_current_object())
    return jsonify(with_last_message(conversation))
