"""The interface in Bahasa Indonesia, Japanese and Thai: every string of messages.pot
translated, placeholders kept, the compiled catalogs in step with their sources, and pages
that speak the language a person chose or their browser asks for."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    committed = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == compiled.getvalue(), (
        f"run: pybabel compile -d inbox/translations -l {language}"
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
