"""The interface in Bahasa Indonesia, Japanese and Thai: every string of messages.pot
translated, placeholders kept, the compiled catalogs in step with their sources, and pages
that speak the language a person chose or their browser asks for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from inbox.models import Role

TRANSLATIONS = Path(__file__).resolve().parent.parent / "inbox" / "translations"
LANGUAGES = ["id", "ja", "th"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|\{[a-z_]+\}|%%")


def catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=language)


def template_ids() -> set:
    with open(TRANSLATIONS / "messages.pot", "rb") as source:
        return {message.id for message in read_po(source) if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(language: str) -> None:
    translations = catalog(language)
    missing, broken = [], []
    for message in translations:
        if not message.id:
            continue
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(texts) or message.fuzzy:
            missing.append(singular)
        for text in texts:
            if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(PLACEHOLDER.findall(singular))):
                broken.append((singular, text))
    assert {message.id for message in translations if message.id} == template_ids()
    assert missing == [] and broken == []


def meanings(messages) -> dict:
    """What gettext answers for each message: (context, id) -> translation(s), header aside."""
    return {
        (message.context, plain(message.id)): plain(message.string)
        for message in messages
        if message.id
    }


def plain(text: str | list | tuple) -> str | tuple:
    # The .mo reader gives plural forms as lists, the .po reader as tuples.
    return text if isinstance(text, str) else tuple(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    # Compared by meaning, not bytes: each Babel release may lay out the same catalog
    # differently. An untranslated or fuzzy source message is a failure here too, whether or
    # not the .mo has an older translation of it.
    source = catalog(language)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as compiled_file:
        compiled = read_mo(compiled_file)
    translated = {
        key: string
        for key, string in meanings(message for message in source if not message.fuzzy).items()
        if all(string if isinstance(string, tuple) else (string,))
    }
    expected = {key: translated.get(key, "(untranslated or fuzzy)") for key in meanings(source)}
    found = meanings(compiled)
    stale = sorted(
        (key[1], found.get(key, "(not compiled)"), wanted)
        for key, wanted in expected.items()
        if found.get(key) != wanted
    )
    gone = sorted(key[1] for key in found.keys() - expected.keys())
    assert (stale, gone, compiled.plural_forms) == ([], [], source.plural_forms), (
        f"{language}: the .mo is out of step with the .po (id, .mo, .po): {stale[:5]}; "
        f"only in the .mo: {gone[:5]}. "
        f"Translate, then run: pybabel compile -d inbox/translations -l {language}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_speak_the_browsers_language(client, language: str) -> None:
    expected = catalog(language).get("Sign in").string
    page = client.get("/login", headers={"Accept-Language": f"{language},en;q=0.5"})
    text = page.get_data(as_text=True)
    assert f'<html lang="{language}"' in text and expected in text


def test_a_persons_choice_wins_over_the_browser(client, make) -> None:
    agent = make.user(Role.AGENT, locale="ja")
    headers = {"Authorization": f"Bearer {make.token(agent)}", "Accept-Language": "th"}
    page = client.get("/", headers=headers).get_data(as_text=True)
    assert '<html lang="ja"' in page and catalog("ja").get("Inbox").string in page
