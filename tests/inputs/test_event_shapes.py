"""Emulator-shaped events and the three payload forms of one request all get the same answer."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.client import ApiClient
from tests.inputs.conftest import RecordingStore
from tests.inputs.events import http_event, rest_event

Change = Callable[[dict[str, Any]], None]


def drop_context(*names: str) -> Change:
    def change(event: dict[str, Any]) -> None:
        for name in names:
            event["requestContext"].pop(name, None)

    return change


EMULATOR_GAPS = [
    pytest.param(lambda e: e["requestContext"].update(stage=None), id="stage-null"),
    pytest.param(drop_context("stage"), id="no-stage"),
    pytest.param(drop_context("time", "timeEpoch"), id="no-time"),
    pytest.param(drop_context("domainName", "domainPrefix"), id="no-domain"),
    pytest.param(drop_context("requestId"), id="no-request-id"),
    pytest.param(
        drop_context("stage", "time", "timeEpoch", "domainName", "domainPrefix", "accountId", "apiId"),
        id="all-of-them",
    ),
    pytest.param(lambda e: e.pop("version"), id="no-version"),
    pytest.param(lambda e: e.pop("routeKey"), id="no-route-key"),
    pytest.param(lambda e: e.pop("isBase64Encoded"), id="no-base64-flag"),
    pytest.param(lambda e: e.update(headers=None), id="headers-null"),
    pytest.param(lambda e: e.update(cookies=None, pathParameters=None, stageVariables=None), id="nulls"),
]


@pytest.mark.parametrize("gap", EMULATOR_GAPS)
@pytest.mark.parametrize(
    ("path", "status"), [("/health", 200), ("/users", 200), ("/users/u-1001", 404)], ids=str
)
def test_http_api_event_from_an_emulator_is_served_normally(
    users: ApiClient, recorder: RecordingStore, gap: Change, path: str, status: int
) -> None:
    event = http_event("GET", path)
    gap(event)
    reply = users.send(event)
    assert reply.status == status, reply
    if status == 404:
        assert recorder.asked_for("get") == ["u-1001"]


def three_forms(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: str | None
) -> list[dict[str, Any]]:
    """REST 1.0 with "version", REST 1.0 without it, and the 2.0 event of the same request."""
    with_version = rest_event(method, path, query=query, headers=headers, body=body)
    with_version["version"] = "1.0"
    without_version = rest_event(method, path, query=query, headers=headers, body=body)
    raw = "&".join(f"{k}={v}" for k, vs in query.items() for v in vs)
    v2 = http_event(method, path, query=raw, headers=headers, body=body)
    v2["queryStringParameters"] = {k: ",".join(vs) for k, vs in query.items()} or None
    return [with_version, without_version, v2]


REQUESTS = [
    pytest.param("GET", "/health", {}, {}, None, id="health"),
    pytest.param("GET", "/users", {"limit": ["5"], "tag": ["a", "b"]}, {}, None, id="list"),
    pytest.param("GET", "/users", {"limit": ["0"]}, {}, None, id="list-invalid"),
    pytest.param("GET", "/users/{id}", {}, {"Accept": "application/json"}, None, id="get"),
    pytest.param("GET", "/users/u-1001", {}, {}, None, id="get-missing"),
    pytest.param(
        "PATCH",
        "/users/{id}",
        {},
        {"Content-Type": "application/json", "If-Match": '"7"'},
        '{"name": "B"}',
        id="patch-stale",
    ),
    pytest.param("PATCH", "/users/{id}", {}, {"Content-Type": "text/plain"}, "x", id="patch-wrong-type"),
    pytest.param(
        "POST", "/users", {}, {"Content-Type": "application/json"}, '{"isAdmin": true}', id="create-invalid"
    ),
    pytest.param("DELETE", "/users/u-1001", {}, {}, None, id="delete-missing"),
    pytest.param("PUT", "/users", {}, {}, None, id="method-not-allowed"),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "body"), REQUESTS)
def test_rest_with_and_without_version_and_http_api_forms_answer_alike(
    users: ApiClient,
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: str | None,
) -> None:
    path = path.replace("{id}", users.create_user().json["id"])
    replies = [users.send(event) for event in three_forms(method, path, query, headers, body)]
    for reply in replies:
        if isinstance(reply.json, dict):
            reply.json.pop("requestId", None)  # each event format's sample carries its own
    assert len({(r.status, str(r.json)) for r in replies}) == 1, replies
    assert len({tuple(sorted(r.headers.items())) for r in replies}) == 1
