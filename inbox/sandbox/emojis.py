"""A small built-in set of LINE emoji, and finding them in what a simulated user types.

In a webhook, a LINE emoji is part of `message.text` as its name in brackets, e.g. "(love)",
and `message.emojis[]` says where: `index` and `length` in UTF-16 code units, with the emoji's
`productId` and `emojiId`. The phone's emoji panel inserts those names into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PRODUCT_ID = "5ac1bfd5040ab15980c9b435"  # the set LINE's reference uses in its examples


@dataclass(frozen=True)
class LineEmoji:
    emoji_id: str
    name: str
    glyph: str  # how the phone draws it

    @property
    def token(self) -> str:
        return f"({self.name})"


EMOJIS = [
    LineEmoji("001", "love", "🥰"),
    LineEmoji("002", "happy", "😄"),
    LineEmoji("003", "wink", "😉"),
    LineEmoji("004", "cry", "😭"),
    LineEmoji("005", "shock", "😱"),
    LineEmoji("006", "heart", "❤️"),
    LineEmoji("007", "star", "⭐"),
    LineEmoji("008", "ok", "👌"),
]
_BY_NAME = {emoji.name: emoji for emoji in EMOJIS}
_TOKEN = re.compile(r"\((" + "|".join(re.escape(name) for name in _BY_NAME) + r")\)")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def find_in(text: str) -> list[dict[str, Any]]:
    """The webhook's `emojis[]` for every emoji name in `text`, in order."""
    return [
        {
            "index": _utf16(text[: match.start()]),
            "length": _utf16(match.group(0)),
            "productId": PRODUCT_ID,
            "emojiId": _BY_NAME[match.group(1)].emoji_id,
        }
        for match in _TOKEN.finditer(text)
    ]
