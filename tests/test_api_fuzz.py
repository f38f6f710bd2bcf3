"""Schemathesis fuzzes every operation of /api/openapi.json, as an agent and as a supervisor:
whatever it sends, the answer is never a 500, and its status, content type and body are the
ones the document gives. Bounded and derandomized, so a run is quick and repeatable; the
counts are printed (`pytest -s`)."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inbox.models import Role
from tests.line_events import deliver, fixture_events, group_source, text_event

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 8  # per generation mode; every case is sent once per role
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here fails again
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def inbox_with_history(client, make, stub) -> None:
    """A channel whose store holds every kind of event LINE's SDK fixture has, and a group
    chat with a note: the rows the fuzzed ids and filters will mostly land on."""
    channel = make.channel()
    deliver(client, channel, fixture_events())
    deliver(client, channel, [text_event("กลุ่ม", source=group_source())])
    agent = make.auth_header(Role.AGENT)
    assert client.post("/api/conversations/1/notes", json={"text": "a note"}, headers=agent)


def test_fuzzing_the_api_finds_no_500(app, client, make, inbox_with_history) -> None:
    roles = {role: make.auth_header(role) for role in (Role.AGENT, Role.SUPERVISOR)}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=roles[Role.AGENT])
    statuses: Counter[int] = Counter()

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def send(case) -> None:
                for headers in roles.values():
                    sent = case.as_transport_kwargs(headers=headers)
                    answer = client.open(**sent)
                    statuses[answer.status_code] += 1
                    case.validate_response(answer, checks=CHECKS, transport_kwargs=sent)

            send()

    print(f"\nAPI fuzz: {statuses.total()} requests, statuses {dict(sorted(statuses.items()))}")
    assert statuses[500] == 0 and statuses[200] > 0
