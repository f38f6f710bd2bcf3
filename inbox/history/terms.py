"""Search terms that work for languages written without spaces.

Thai, Lao, Khmer, Myanmar, Japanese and Chinese put no spaces between words, so a word
splitter finds nothing to split. Their runs of letters are indexed as overlapping two-letter
pieces (bigrams: "東京都" -> "東京", "京都"; Thai vowel and tone marks stay in their pieces) and a
query run matches when its pieces appear side by side in the same order (a phrase), which
finds any substring of two letters or more. Other scripts are indexed by whole words and
matched by prefix. Text is NFKC-normalised and case-folded first, so full-width letters,
half-width kana and letter case do not matter.

Both databases store these terms exactly as produced: SQLite FTS5 with its `ascii` tokenizer
(which splits only on ASCII spaces and punctuation) and PostgreSQL tsvectors built from the
lexemes themselves, so neither engine's locale-dependent word parser is involved.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Scripts written without spaces between words.
_SPACELESS_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x2FA1F),  # CJK extensions B and later
)
_PROLONGED_SOUND_MARK = "ー"  # katakana "ー" sits outside the letter categories

# A word is indexed and searched by at most its first letters: PostgreSQL refuses a lexeme
# over 2,047 bytes (a database error at commit, or in the search), and 256 letters are at most
# 1,024 bytes of UTF-8. Index and query cut alike and a word matches as a prefix, so a long
# word is still found by itself or by its beginning.
LONGEST_WORD = 256


def _spaceless(char: str) -> bool:
    code = ord(char)
    return char == _PROLONGED_SOUND_MARK or any(
        low <= code <= high for low, high in _SPACELESS_RANGES
    )


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Run:
    text: str
    spaceless: bool

    def pieces(self) -> list[str]:
        if not self.spaceless or len(self.text) < 2:
            return [self.text[:LONGEST_WORD]]
        return [self.text[i : i + 2] for i in range(len(self.text) - 1)]


def runs(text: str) -> Iterator[Run]:
    """Words and spaceless runs of normalised text; everything else separates them."""
    current: list[str] = []
    current_spaceless = False
    for char in normalise(text):
        if _spaceless(char):
            kind = True
        elif char.isalnum():
            kind = False
        else:
            if current:
                yield Run("".join(current), current_spaceless)
            current = []
            continue
        if current and kind != current_spaceless:
            yield Run("".join(current), current_spaceless)
            current = []
        current.append(char)
        current_spaceless = kind
    if current:
        yield Run("".join(current), current_spaceless)


def index_terms(text: str) -> list[str]:
    """The terms of a text in order (positions matter: pieces must match side by side)."""
    return [piece for run in runs(text) for piece in run.pieces()]


@dataclass(frozen=True)
class QueryPart:
    pieces: tuple[str, ...]
    prefix: bool  # a word typed so far matches longer words


def query_parts(query: str) -> list[QueryPart]:
    """What every result must contain: each word (as a prefix), each spaceless run (as a
    phrase of its pieces)."""
    return [QueryPart(tuple(run.pieces()), prefix=not run.spaceless) for run in runs(query)]
