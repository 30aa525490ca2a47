"""The Lambda handler and the Connexion host give the same answers to the same session.

One scripted session runs against each host, each on its own moto table; every response of both is
checked against openapi.yaml, then the two transcripts are compared step by step. Only what must
differ is set aside: ids, timestamps and request ids, and, where a step says so, the wording of
violation messages (jsonschema's under Connexion, fastjsonschema's under the dispatcher).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

import app
from dispatch import Api, Cors
from hosts.connexion_app import create_app
from local.tables import create_table
from openapi_validators import VALIDATORS
from tests import contract
from tests.client import ApiClient, http_event
from users import operations
from users.storage import UserStore

REGION = "us-east-1"
# Response headers whose values both hosts must agree on; the rest (date, server...) are the host's.
COMPARED_HEADERS = ("content-type", "etag", "location", "allow", "retry-after")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    json: Any


@dataclass
class Step:
    name: str
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    body: str | None = None
    # Connexion words violations with jsonschema's messages, and may report a member twice where
    # fastjsonschema stops at its first failed keyword: compare only where and what, not how.
    wording_differs: bool = False


Send = Callable[[str, str, dict[str, Any], dict[str, str], Any, str | None], Answer]


def lambda_host(handler: Api = app.handler) -> Send:
    client = ApiClient(handler)  # checks each response against openapi.yaml

    def send(
        method: str,
        path: str,
        query: dict[str, Any],
        headers: dict[str, str],
        json_body: Any,
        body: str | None,
    ) -> Answer:
        kwargs: dict[str, Any] = {"headers": headers, "params": query}
        if json_body is not None:
            kwargs["json_body"] = json_body
        if body is not None:
            kwargs["body"] = body
        reply = client.request(method, path, **kwargs)
        return Answer(reply.status, {k: str(v) for k, v in reply.headers.items()}, reply.json)

    return send


def connexion_host(client: TestClient) -> Send:
    def send(
        method: str,
        path: str,
        query: dict[str, Any],
        headers: dict[str, str],
        json_body: Any,
        body: str | None,
    ) -> Answer:
        headers = dict(headers)
        if json_body is not None:
            body = json.dumps(json_body)
            headers.setdefault("content-type", "application/json")
        query_string = urlencode(query, doseq=True)
        url = f"{path}?{query_string}" if query_string else path
        response = client.request(method, url, headers=headers, content=body.encode() if body else None)
        # The same contract check the Lambda's responses get, on the request as an event.
        event = http_event(method, path, query=query_string, headers=headers, body=body)
        contract.check(
            event,
            {"statusCode": response.status_code, "headers": dict(response.headers), "body": response.text},
        )
        return Answer(
            response.status_code, dict(response.headers), response.json() if response.content else None
        )

    return send


def run_session(send: Send) -> list[tuple[str, Answer]]:
    """Create, read, list, conflict, reject, precondition, delete, miss: the same calls on any host."""
    transcript: list[tuple[str, Answer]] = []
    ids: dict[str, str] = {}  # each id by the order it first appeared in, so a mix-up shows

    def call(step: Step) -> Answer:
        answer = send(step.method, step.path, step.query, step.headers, step.json_body, step.body)
        transcript.append((step.name, _normalised(answer, step.wording_differs, ids)))
        return answer

    ada = {"email": "ada@example.com", "name": "Ada Lovelace", "tags": ["maths"]}
    call(Step("health", "GET", "/health"))
    created = call(Step("create", "POST", "/users", json_body=ada))
    user = f"/users/{created.json['id']}"
    call(Step("get", "GET", user))
    call(Step("list by email", "GET", "/users", query={"email": "ADA@example.com"}))
    call(Step("list by tags", "GET", "/users", query={"tag": ["maths"], "limit": 5}))
    call(Step("duplicate email", "POST", "/users", json_body={**ada, "name": "Another Ada"}))
    call(Step("missing and unknown members", "POST", "/users", json_body={"name": "Bo", "nickname": "b"}))
    call(Step("every required member missing", "POST", "/users", json_body={}))
    call(
        Step(
            "members of the wrong shape",
            "POST",
            "/users",
            json_body={"email": "bo@example.com", "name": "", "tags": "maths"},
            wording_differs=True,
        )
    )
    call(Step("not JSON", "POST", "/users", body="{", headers={"content-type": "application/json"}))
    call(Step("query out of range", "GET", "/users", query={"limit": 0}, wording_differs=True))
    call(Step("stale If-Match", "PATCH", user, headers={"If-Match": '"7"'}, json_body={"name": "Augusta"}))
    call(
        Step("update", "PATCH", user, headers={"If-Match": '"1"'}, json_body={"name": "Augusta", "bio": None})
    )
    call(
        Step(
            "merge patch content type",
            "PATCH",
            user,
            headers={"content-type": "application/merge-patch+json"},
            body='{"locale": "pt-BR", "bio": null}',
        )
    )
    call(
        Step("unsupported content type", "PATCH", user, headers={"content-type": "text/plain"}, body="name=x")
    )
    call(
        Step(
            "idempotent create",
            "POST",
            "/users",
            headers={"Idempotency-Key": "k-1"},
            json_body={"email": "cy@example.com", "name": "Cy"},
        )
    )
    call(
        Step(
            "idempotent retry",
            "POST",
            "/users",
            headers={"Idempotency-Key": "k-1"},
            json_body={"email": "cy@example.com", "name": "Cy"},
        )
    )
    call(
        Step(
            "key reused",
            "POST",
            "/users",
            headers={"Idempotency-Key": "k-1"},
            json_body={"email": "di@example.com", "name": "Di"},
        )
    )
    call(Step("options on the collection", "OPTIONS", "/users"))
    call(Step("options on an item", "OPTIONS", user))
    call(Step("trailing slash on the collection", "GET", "/users/", query={"email": "ada@example.com"}))
    call(Step("trailing slash on an item", "GET", f"{user}/"))
    call(Step("delete", "DELETE", user))
    call(Step("get deleted", "GET", user))
    call(Step("delete deleted", "DELETE", user))
    call(Step("unknown route", "GET", "/nowhere"))
    call(Step("options on an unknown route", "OPTIONS", "/nowhere"))
    call(Step("wrong method", "PUT", "/users"))
    call(Step("wrong method on an item", "POST", user))
    return transcript


def _normalised(answer: Answer, wording_differs: bool, ids: dict[str, str]) -> Answer:
    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: "<time>"
                if k in ("createdAt", "updatedAt")
                else "<request>"
                if k == "requestId"
                else scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, str):
            return _UUID.sub(lambda m: ids.setdefault(m.group(), f"<id{len(ids)}>"), value)
        return value

    body = scrub(answer.json)
    if isinstance(body, dict) and "errors" in body:
        errors = sorted(body["errors"], key=lambda e: (e["in"], e["name"], e["message"]))
        if wording_differs:
            errors = sorted({(e["in"], e["name"]) for e in errors})  # type: ignore[assignment]
            body["detail"] = "<detail>"
        body["errors"] = errors
    headers = {k: scrub(v) for k, v in answer.headers.items() if k in COMPARED_HEADERS}
    return Answer(answer.status, headers, body)


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch, moto_store: UserStore) -> Callable[[str], None]:
    """Point the operations at a fresh moto table of the given name."""
    client = moto_store.client

    def use(name: str) -> None:
        create_table(client, name)
        monkeypatch.setattr(operations, "store", UserStore(name, client))

    return use


def test_lambda_and_connexion_answer_a_session_alike(tables: Callable[[str], None]) -> None:
    tables("users-lambda")
    on_lambda = run_session(lambda_host())

    tables("users-connexion")
    with TestClient(create_app()) as client:
        on_connexion = run_session(connexion_host(client))

    assert [name for name, _ in on_lambda] == [name for name, _ in on_connexion]
    for (name, lam), (_, cx) in zip(on_lambda, on_connexion, strict=True):
        assert (name, cx.status) == (name, lam.status)
        assert (name, cx.headers) == (name, lam.headers)
        assert (name, cx.json) == (name, lam.json)


def test_the_session_covers_each_status_the_spec_gives_these_operations(
    tables: Callable[[str], None],
) -> None:
    tables("users-coverage")
    statuses = {answer.status for _, answer in run_session(lambda_host())}
    assert statuses == {200, 201, 204, 400, 404, 405, 409, 412, 415, 422}


def test_an_unexpected_error_is_the_same_fixed_500_on_both(
    monkeypatch: pytest.MonkeyPatch, moto_store: UserStore
) -> None:
    class Broken:
        def get(self, user_id: str) -> None:
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(operations, "store", Broken())
    on_lambda = lambda_host()("GET", "/users/u-1", {}, {}, None, None)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        on_connexion = connexion_host(client)("GET", "/users/u-1", {}, {}, None, None)

    assert on_connexion.status == on_lambda.status == 500
    assert _normalised(on_connexion, False, {}) == _normalised(on_lambda, False, {})
    assert "fire" not in json.dumps(on_connexion.json)


def test_a_merge_patch_removing_tags_is_judged_alike(tables: Callable[[str], None]) -> None:
    # UserPatch.tags once was `allOf` + `nullable`, which OAS 3.0.3 gives no effect: Connexion and
    # openapi-core refused the null the dispatcher took. A nullable needs a `type` beside it.
    def remove_tags(send: Send) -> int:
        created = send(
            "POST", "/users", {}, {}, {"email": "ed@example.com", "name": "Ed", "tags": ["a"]}, None
        )
        user = f"/users/{created.json['id']}"
        headers = {"content-type": "application/merge-patch+json"}
        return send("PATCH", user, {}, headers, None, '{"tags": null}').status

    tables("users-lambda-tags")
    on_lambda = remove_tags(lambda_host())
    tables("users-connexion-tags")
    with TestClient(create_app()) as client:
        on_connexion = remove_tags(connexion_host(client))

    assert on_connexion == on_lambda == 200


ALLOWED_ORIGIN = "https://app.example.com"
CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-expose-headers",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "vary",
)


def test_cors_headers_are_the_same_on_both(tables: Callable[[str], None]) -> None:
    preflight = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}
    steps = [
        Step("preflight", "OPTIONS", "/users", headers=preflight),
        Step(
            "preflight on an item",
            "OPTIONS",
            "/users/u-1/",
            headers={**preflight, "Access-Control-Request-Method": "patch"},
        ),
        Step("preflight for a method the path lacks", "OPTIONS", "/health", headers=preflight),
        Step(
            "preflight from another origin",
            "OPTIONS",
            "/users",
            headers={**preflight, "Origin": "https://other.example"},
        ),
        Step("request", "GET", "/health", headers={"Origin": ALLOWED_ORIGIN}),
        Step("refused request", "GET", "/users", query={"limit": 0}, headers={"Origin": ALLOWED_ORIGIN}),
        Step("unknown user", "GET", "/users/u-1", headers={"Origin": ALLOWED_ORIGIN}),
        Step("unknown route", "GET", "/nowhere", headers={"Origin": ALLOWED_ORIGIN}),
        Step("wrong method", "PUT", "/health", headers={"Origin": ALLOWED_ORIGIN}),
        Step("request from another origin", "GET", "/health", headers={"Origin": "https://other.example"}),
        Step("request without an origin", "GET", "/health"),
    ]
    cors = Cors(frozenset({ALLOWED_ORIGIN}))

    def answers(send: Send) -> list[tuple[str, int, dict[str, str]]]:
        found = []
        for step in steps:
            answer = send(step.method, step.path, step.query, step.headers, None, None)
            headers = {k.lower(): v for k, v in answer.headers.items() if k.lower() in CORS_HEADERS}
            found.append((step.name, answer.status, headers))
        return found

    tables("users-lambda-cors")
    on_lambda = answers(lambda_host(Api(app._SPEC, operations, cors=cors, validators=VALIDATORS)))
    tables("users-connexion-cors")
    with TestClient(create_app(cors=cors)) as client:
        on_connexion = answers(connexion_host(client))

    assert on_connexion == on_lambda
    by_step = {name: (status, headers) for name, status, headers in on_lambda}
    assert by_step["preflight"][0] == 204
    assert by_step["preflight"][1]["access-control-allow-methods"] == "GET, HEAD, POST"
    assert by_step["preflight on an item"][1]["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "access-control-allow-methods" in by_step["preflight on an item"][1]
    assert "access-control-allow-methods" not in by_step["preflight for a method the path lacks"][1]
    assert by_step["preflight from another origin"][1] == {"vary": "Origin"}
    for name in ("refused request", "unknown user", "unknown route", "wrong method"):
        assert by_step[name][1]["access-control-allow-origin"] == ALLOWED_ORIGIN, name
    assert (
        by_step["request from another origin"][1]
        == by_step["request without an origin"][1]
        == {"vary": "Origin"}
    )
