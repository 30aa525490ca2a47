"""Whatever arrives as an event, the handler answers: no crash, and every refusal a Problem body."""

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

import app
from tests.client import ApiClient, load_event
from tests.contract import SPEC
from tests.inputs.examples import examples

BASES = [
    load_event(name)
    for name in (
        "getHealth.json",
        "getUser.json",
        "createUser.json",
        "listUsers.json",
        "updateUser.json",
        "deleteUser.json",
        "rest-v1/getHealth.json",
    )
]
PROBLEM = OAS30Validator({**SPEC["components"]["schemas"]["Problem"], "components": SPEC["components"]})

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
huge = st.sampled_from(["x" * 2_000_000, "/" * 100_000, "%" * 50_000, "=" * 100_000, "\ud800" * 1000])


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A real event with a few members deleted, retyped or made huge, at any depth."""
    event = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        node: Any = event
        while True:
            if not isinstance(node, dict) or not node:
                break
            key = draw(st.sampled_from(sorted(node)))
            if isinstance(node[key], dict) and node[key] and draw(st.booleans()):
                node = node[key]
                continue
            action = draw(st.sampled_from(["delete", "retype", "huge"]))
            if action == "delete":
                del node[key]
            else:
                node[key] = draw(json_values if action == "retype" else huge)
            break
    return event


events = mutated_events() | json_values


@given(event=events)
@examples
def test_any_event_gets_an_answer_and_every_refusal_is_a_problem(users: ApiClient, event: Any) -> None:
    response = app.handler(event, None)
    assert isinstance(response, dict)
    status = response["statusCode"]
    assert isinstance(status, int)
    assert status < 500, response  # a 500 here is an unhandled exception, logged and hidden
    json.dumps(response)  # what Lambda must be able to serialise
    if status >= 400:
        assert response["headers"]["Content-Type"] == "application/problem+json"
        body = json.loads(response["body"])
        assert not list(PROBLEM.iter_errors(body)), body
        assert body["status"] == status
