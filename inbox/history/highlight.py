"""Where a search query hit a message's text, for the results to mark.

The search matched normalised text (NFKC, case-folded; see terms.py); the spans are found the
same way and mapped back to the original text, so "ＬＩＮＥ" is marked for the query "line"
and "ราคา" inside a Thai sentence is marked without any word boundaries.
"""

from __future__ import annotations

import re

from inbox.history.terms import QueryPart, _spaceless, normalise, query_parts


def _normalised_with_origins(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index it came from."""
    pieces: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        folded = normalise(char)
        pieces.append(folded)
        origins.extend([index] * len(folded))
    return "".join(pieces), origins


def query_needle(part: QueryPart) -> str:
    """The text a query part stands for: a word, or a spaceless run rebuilt from its pieces."""
    first, *rest = part.pieces
    return first + "".join(piece[1:] for piece in rest)


def hit_spans(text: str | None, query: str) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) character ranges of `text` that the query matched."""
    if not text:
        return []
    folded, origins = _normalised_with_origins(text)
    spans: list[tuple[int, int]] = []
    for part in query_parts(query):
        needle = query_needle(part)
        if part.prefix and not _spaceless(needle[0]):
            # A word typed so far: where a word starts with it (its letters, not mid-word).
            pattern = re.compile(r"(?<![^\W_])" + re.escape(needle))
        else:
            pattern = re.compile(re.escape(needle))
        for found in pattern.finditer(folded):
            spans.append((origins[found.start()], origins[found.end() - 1] + 1))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The same ranges counted in UTF-16 code units, as JavaScript strings index text."""

    def units(index: int) -> int:
        return len(text[:index].encode("utf-16-le")) // 2

    return [(units(start), units(end)) for start, end in spans]
