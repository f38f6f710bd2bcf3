"""Saved replies: who sees which, finding them, and changing them (each change audited).

Team replies have no owner: every agent sees them and admins manage them. A personal reply is
its owner's alone: nobody else (admins included) lists, reads, expands or changes it. Views
decide who is asking; the functions here decide what that person may do.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from inbox.audit import record
from inbox.database import UNSTORABLE_TEXT
from inbox.extensions import db
from inbox.line.client import text_length
from inbox.models import Role, SavedReply, User
from inbox.models.saved_reply import BODY_LENGTH, SHORTCUT_LENGTH, TITLE_LENGTH


class ReplyRefused(ValueError):
    """The reply cannot be saved as given; the message says why, in the viewer's language."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class ShortcutTaken(ReplyRefused):
    """Another reply in the same scope already has the shortcut."""


@dataclass(frozen=True)
class ReplyFields:
    title: str
    shortcut: str
    body: str


def fold(text: str) -> str:
    """Text as compared by search and shortcuts: NFKC (full-width "ｔｈｘ" is "thx", half-width
    katakana is full-width) then case-folded; Thai and Japanese have no case and stay as typed."""
    return unicodedata.normalize("NFKC", text).casefold()


def normalise_shortcut(raw: str) -> str:
    """What a shortcut is stored as: folded, without the "/" the composer types before it."""
    return fold(raw.strip()).removeprefix("/")


def _unusable_in_shortcut(char: str) -> bool:
    # Spaces end a shortcut in the composer; "/" starts one; controls and format marks are
    # invisible. Letters of any script, digits and punctuation are all fine.
    return char.isspace() or char == "/" or unicodedata.category(char)[0] in "CZ"


def checked(title: str, shortcut: str, body: str) -> ReplyFields:
    """The fields trimmed and normalised, or ReplyRefused naming the first bad one."""
    for name, value in (("title", title), ("shortcut", shortcut), ("body", body)):
        if UNSTORABLE_TEXT.search(value):  # a form's %00: PostgreSQL cannot store it
            raise ReplyRefused(_("This text contains a character that cannot be stored."), name)
    title = title.strip()
    shortcut = normalise_shortcut(shortcut)
    if not title:
        raise ReplyRefused(_("Give the reply a title."), "title")
    if len(title) > TITLE_LENGTH:
        raise ReplyRefused(
            _("A title has at most %(count)d characters.", count=TITLE_LENGTH), "title"
        )
    if not shortcut:
        raise ReplyRefused(_("Give the reply a shortcut, such as thx."), "shortcut")
    if len(shortcut) > SHORTCUT_LENGTH:
        raise ReplyRefused(
            _("A shortcut has at most %(count)d characters.", count=SHORTCUT_LENGTH), "shortcut"
        )
    if any(_unusable_in_shortcut(char) for char in shortcut):
        raise ReplyRefused(_("A shortcut is one word: no spaces and no “/”."), "shortcut")
    if not body.strip():
        raise ReplyRefused(_("Write the reply's text."), "body")
    if text_length(body) > BODY_LENGTH:
        raise ReplyRefused(
            _("A reply has at most %(count)d characters, LINE's limit.", count=BODY_LENGTH),
            "body",
        )
    return ReplyFields(title=title, shortcut=shortcut, body=body)


# Reading ------------------------------------------------------------------------------------


def _matching(replies: list[SavedReply], query: str | None) -> list[SavedReply]:
    """Replies whose title, shortcut or body contain the query, whatever its case.

    Filtered here rather than with SQL's LOWER(), which SQLite applies to ASCII letters only;
    a team has hundreds of saved replies, not millions.
    """
    wanted = fold(query or "").strip()
    if not wanted:
        return replies
    return [
        reply
        for reply in replies
        if any(wanted in fold(text) for text in (reply.title, reply.shortcut, reply.body))
    ]


def team_replies(query: str | None = None) -> list[SavedReply]:
    rows = db.session.scalars(
        sa.select(SavedReply).where(SavedReply.owner_id.is_(None)).order_by(SavedReply.shortcut)
    ).all()
    return _matching(list(rows), query)


def personal_replies(owner: User, query: str | None = None) -> list[SavedReply]:
    rows = db.session.scalars(
        sa.select(SavedReply).where(SavedReply.owner_id == owner.id).order_by(SavedReply.shortcut)
    ).all()
    return _matching(list(rows), query)


@dataclass(frozen=True)
class VisibleReply:
    reply: SavedReply
    # A team reply whose shortcut the viewer's own reply takes over: listed, never inserted.
    shadowed: bool


def visible_replies(viewer: User, query: str | None = None) -> list[VisibleReply]:
    """The viewer's own replies and the team's, by shortcut (the viewer's own first on a tie)."""
    own = personal_replies(viewer)
    taken = {reply.shortcut for reply in own}
    everything = [VisibleReply(reply, False) for reply in own] + [
        VisibleReply(reply, reply.shortcut in taken) for reply in team_replies()
    ]
    shown = {reply.id for reply in _matching([item.reply for item in everything], query)}
    return sorted(
        (item for item in everything if item.reply.id in shown),
        key=lambda item: (item.reply.shortcut, item.reply.is_team),
    )


def visible_reply(viewer: User, reply_id: int) -> SavedReply | None:
    """The reply if the viewer may see it: a team reply, or one of their own."""
    reply = db.session.get(SavedReply, reply_id)
    if reply is None or not (reply.is_team or reply.owner_id == viewer.id):
        return None
    return reply


def reply_for_shortcut(viewer: User, shortcut: str) -> SavedReply | None:
    """What `/shortcut` inserts for the viewer: their own reply first, else the team's."""
    wanted = normalise_shortcut(shortcut)
    own_first = sa.case((SavedReply.owner_id.is_(None), 1), else_=0)
    return db.session.scalars(
        sa.select(SavedReply)
        .where(
            SavedReply.shortcut == wanted,
            sa.or_(SavedReply.owner_id.is_(None), SavedReply.owner_id == viewer.id),
        )
        .order_by(own_first)
        .limit(1)
    ).first()


def team_reply(shortcut: str) -> SavedReply | None:
    return db.session.scalar(
        sa.select(SavedReply).where(
            SavedReply.owner_id.is_(None), SavedReply.shortcut == normalise_shortcut(shortcut)
        )
    )


def may_change(viewer: User, reply: SavedReply) -> bool:
    """Admins change the team's replies; each person changes their own, and only they do."""
    if reply.is_team:
        return viewer.has_role(Role.ADMIN)
    return reply.owner_id == viewer.id


# Changing -----------------------------------------------------------------------------------


def _shortcut_taken(owner_id: int | None, shortcut: str, except_id: int | None) -> bool:
    owner = SavedReply.owner_id.is_(None) if owner_id is None else SavedReply.owner_id == owner_id
    query = sa.select(SavedReply.id).where(owner, SavedReply.shortcut == shortcut)
    if except_id is not None:
        query = query.where(SavedReply.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def _refuse_taken(reply: SavedReply) -> ShortcutTaken:
    if reply.is_team:
        message = _(
            "The team already has a reply with the shortcut /%(shortcut)s.", shortcut=reply.shortcut
        )
    else:
        message = _(
            "You already have a reply with the shortcut /%(shortcut)s.", shortcut=reply.shortcut
        )
    return ShortcutTaken(message, "shortcut")


def _audit_details(reply: SavedReply) -> dict[str, str]:
    # The title and shortcut say which reply it was; the text itself is not copied to the log.
    return {
        "scope": "team" if reply.is_team else "personal",
        "shortcut": reply.shortcut,
        "title": reply.title,
    }


def _save(reply: SavedReply, action: str, details: dict[str, str]) -> None:
    """Audit and commit the new or changed reply; a shortcut its scope already has (checked
    first, and by the unique index against a request that took it meanwhile) is refused."""
    refusal = _refuse_taken(reply)  # worded now: a rollback reloads the row as it was
    with db.session.no_autoflush:
        taken = _shortcut_taken(reply.owner_id, reply.shortcut, reply.id)
    if taken:
        db.session.rollback()
        raise refusal
    try:
        record(action, target=reply, details=details)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise refusal from None


def create_reply(owner: User | None, fields: ReplyFields) -> SavedReply:
    """A new team reply (`owner` None) or a personal one, audited."""
    reply = SavedReply(
        owner_id=owner.id if owner else None,
        title=fields.title,
        shortcut=fields.shortcut,
        body=fields.body,
    )
    db.session.add(reply)
    _save(reply, "saved_reply.created", _audit_details(reply))
    return reply


def update_reply(reply: SavedReply, fields: ReplyFields) -> SavedReply:
    """Change a reply's title, shortcut and text, audited (with what the shortcut was)."""
    before = reply.shortcut
    reply.title, reply.shortcut, reply.body = fields.title, fields.shortcut, fields.body
    details = _audit_details(reply)
    if before != reply.shortcut:
        details["previous_shortcut"] = before
    _save(reply, "saved_reply.updated", details)
    return reply


def delete_reply(reply: SavedReply) -> None:
    record("saved_reply.deleted", target=reply, details=_audit_details(reply))
    db.session.delete(reply)
    db.session.commit()
