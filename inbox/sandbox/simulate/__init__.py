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
    expire_content,
    postback,
    send,
    send_event,
    send_location,
    send_media,
    send_sticker,
    send_text,
    unsend,
)
from inbox.sandbox.simulate.people import (
    befriend_before_inbox,
    create_user,
    follow,
    set_profile_hidden,
    unfollow,
)

__all__ = [
    "SimulationError",
    "Upload",
    "add_member",
    "befriend_before_inbox",
    "create_chat",
    "create_user",
    "expire_content",
    "follow",
    "invite_bot",
    "postback",
    "remove_bot",
    "remove_member",
    "send",
    "send_event",
    "send_location",
    "send_media",
    "send_sticker",
    "send_text",
    "set_profile_hidden",
    "unfollow",
    "unsend",
]
