"""A small built-in sticker set (LINE's free basic package 446), shown as emoji tiles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sticker:
    package_id: str
    sticker_id: str
    emoji: str
    keywords: tuple[str, ...]


STICKERS = [
    Sticker("446", "1988", "😊", ("happy", "smile")),
    Sticker("446", "1989", "😍", ("love",)),
    Sticker("446", "1990", "😂", ("laugh",)),
    Sticker("446", "1991", "😢", ("sad", "cry")),
    Sticker("446", "1992", "😠", ("angry",)),
    Sticker("446", "1993", "😮", ("surprised",)),
    Sticker("446", "1994", "👍", ("ok", "good")),
    Sticker("446", "1995", "🙏", ("thanks", "please")),
    Sticker("446", "1996", "😴", ("sleepy",)),
    Sticker("446", "1997", "🎉", ("congratulations",)),
    Sticker("446", "1998", "🤔", ("thinking",)),
    Sticker("446", "1999", "👋", ("hello", "bye")),
]
BY_ID = {(sticker.package_id, sticker.sticker_id): sticker for sticker in STICKERS}


def find(package_id: str, sticker_id: str) -> Sticker | None:
    return BY_ID.get((str(package_id), str(sticker_id)))
