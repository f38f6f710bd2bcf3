"""Filling a saved reply's `{{variables}}` in for one conversation: the one place it happens.

The composer asks the server rather than filling them in itself, so every client (the page,
API clients) gets the same text and the same list of what could not be filled in. Values go
in as plain text: the result is text for a LINE message, never rendered as HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from inbox.models import Conversation, User

# `{{customer.name}}`, spaces inside the braces allowed; names of letters, digits, `_` and `.`.
VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


@dataclass(frozen=True)
class Context:
    """What a reply is being filled in for: the agent, and the conversation if there is one."""

    agent: User
    conversation: Conversation | None = None


def _customer_name(context: Context) -> str | None:
    # A group's or room's "customer" is any of its members: the agent chooses whom to greet.
    conversation = context.conversation
    if conversation is None or conversation.contact is None:
        return None
    return conversation.contact.display_name


def _agent_name(context: Context) -> str | None:
    return context.agent.display_name or context.agent.email


def _channel_name(context: Context) -> str | None:
    return context.conversation.channel.name if context.conversation else None


VARIABLES: dict[str, tuple[Callable[[Context], str | None], object]] = {
    "customer.name": (_customer_name, _l("The customer's LINE name")),
    "agent.name": (_agent_name, _l("The name of the agent inserting the reply")),
    "channel.name": (_channel_name, _l("The channel's name")),
}


@dataclass
class Expansion:
    """The filled-in text; `unknown` variables are no variable the inbox has, `empty` ones
    have no value in this conversation. Both stay in the text as written, for the agent to see
    and edit before sending."""

    text: str
    unknown: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)


def expand(body: str, context: Context) -> Expansion:
    """The body with every variable the context has a value for filled in."""
    expansion = Expansion(text="")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        known = VARIABLES.get(name.lower())
        if known is None:
            _remember(expansion.unknown, name)
            return match.group(0)
        value = known[0](context)
        if not value:
            _remember(expansion.empty, name)
            return match.group(0)
        return value

    expansion.text = VARIABLE.sub(fill, body)
    return expansion


def _remember(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def variable_help() -> list[tuple[str, str]]:
    """The variables and what each stands for, for the pages that edit replies."""
    return [(f"{{{{{name}}}}}", str(meaning)) for name, (_value, meaning) in VARIABLES.items()]
