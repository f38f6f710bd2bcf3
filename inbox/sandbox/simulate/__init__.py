"""What simulated LINE users do: each action changes the platform state and queues webhooks.

The phone page's routes and the tests' `line_sandbox` fixture both call these functions.
"""

from inbox.sandbox.simulate.chats import (
    add_member,
    create_chat,
    invite_bot,
    remove_bot,
    remove_member,
)
from inbox.sandbox.simulate.core import SimulationError, Upload
from inbox.sandbox.simulate.messages import (
    postback,
    send,
    send_location,
    send_media,
    send_sticker,
    send_text,
    unsend,
)
from inbox.sandbox.simulate.people import create_user, follow, unfollow

__all__ = [
    "SimulationError",
    "Upload",
    "add_member",
    "create_chat",
    "create_user",
    "follow",
    "invite_bot",
    "postback",
    "remove_bot",
    "remove_member",
    "send",
    "send_location",
    "send_media",
    "send_sticker",
    "send_text",
    "unfollow",
    "unsend",
]
