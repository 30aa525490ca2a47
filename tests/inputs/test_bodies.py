"""Request bodies: content types, emptiness, malformed JSON, base64, read-only members and size."""

import base64
import json
from typing import Any

import pytest

from dispatch import Api
from tests.client import ApiClient
from tests.inputs.conftest import RecordingStore
from tests.inputs.events import http_event, rest_event
from tests.inputs.test_paths import SPEC
from users import operations

NEW_USER = '{"email": "ana@example.com", "name": "Ana"}'


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=UTF-8",
        "application/json;charset=utf-8",
        "Application/JSON",
        "APPLICATION/JSON; CHARSET=UTF-8",
        " application/json ",
    ],
    ids=["plain", "charset", "charset-no-space", "mixed-case", "upper-case-with-charset", "padded"],
)
def test_json_content_type_in_any_spelling_is_json(users: ApiClient, content_type: str) -> None:
    reply = users.send(http_event("POST", "/users", headers={"content-type": content_type}, body=NEW_USER))
    assert reply.status == 201, reply


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
        "application/merge-patch+json",
        "",
    ],
    ids=["text", "form", "lookalike", "other-operations-type", "none"],
)
def test_body_in_a_type_the_operation_does_not_take_is_415(
    storeless_api: ApiClient, content_type: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    reply = storeless_api.send(http_event("POST", "/users", headers=headers, body=NEW_USER))
    assert reply.status == 415
    assert reply.json["code"] == "UNSUPPORTED_MEDIA_TYPE"


def with_body(
    event: dict[str, Any], body: Any, *, present: bool = True, base64_flag: bool = False
) -> dict[str, Any]:
    event.pop("body", None)
    if present:
        event["body"] = body
    event["isBase64Encoded"] = base64_flag
    return event


JSON = {"content-type": "application/json"}
EMPTY_BODIES = [
    pytest.param(lambda e: with_body(e, None), id="null"),
    pytest.param(lambda e: with_body(e, None, present=False), id="missing"),
    pytest.param(lambda e: with_body(e, ""), id="empty-string"),
    pytest.param(lambda e: with_body(e, "", base64_flag=True), id="empty-base64"),
]


@pytest.mark.parametrize("empty", EMPTY_BODIES)
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/users"), ("PATCH", "/users/u-1001")], ids=["create", "update"]
)
@pytest.mark.parametrize("build", [http_event, rest_event], ids=["http-api", "rest"])
def test_required_body_that_is_empty_is_400_without_storage(
    storeless_api: ApiClient, empty: Any, method: str, path: str, build: Any
) -> None:
    reply = storeless_api.send(empty(build(method, path, headers=JSON)))
    assert reply.status == 400
    assert {"in": "body", "name": "body", "message": "is required"} in reply.violations


@pytest.mark.parametrize("empty", EMPTY_BODIES)
@pytest.mark.parametrize(("method", "status"), [("GET", 404), ("DELETE", 404)], ids=["get", "delete"])
def test_empty_body_on_a_bodiless_operation_is_ignored(
    users: ApiClient, recorder: RecordingStore, empty: Any, method: str, status: int
) -> None:
    reply = users.send(empty(http_event(method, "/users/u-1001", headers=JSON)))
    assert reply.status == status
    assert recorder.asked_for("get") == ["u-1001"]


MALFORMED = [
    pytest.param('{"email": "ana@example.com", "name": ', id="truncated"),
    pytest.param("[]", id="top-level-array"),
    pytest.param('"ana"', id="top-level-string"),
    pytest.param("null", id="json-null"),
    pytest.param("42", id="top-level-number"),
    pytest.param('{"email": "ana@example.com", "name": NaN}', id="nan"),
    pytest.param('{"email": "ana@example.com", "name": Infinity}', id="infinity"),
    pytest.param('{"email": "ana@example.com", "name": -Infinity}', id="minus-infinity"),
    pytest.param('{"email": "ana@example.com", "name": 1e400}', id="number-beyond-double"),
    pytest.param('{"email": "ana@example.com", "name": 1' + "0" * 5000 + "}", id="5000-digit-integer"),
    pytest.param("[" * 100_000 + "]" * 100_000, id="deeply-nested"),
    pytest.param('{"email": "ana@example.com", "name": "Ana"}}', id="trailing-garbage"),
    pytest.param('\ufeff{"email": "ana@example.com", "name": "Ana"}', id="byte-order-mark"),
    pytest.param("{'email': 'ana@example.com'}", id="single-quotes"),
    pytest.param('{"email": "ana@example.com", "name": "\\ud800"}', id="lone-surrogate-escape"),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_json_body_is_400_never_500(storeless_api: ApiClient, body: str) -> None:
    reply = storeless_api.send(http_event("POST", "/users", headers=JSON, body=body))
    assert reply.status == 400, reply
    assert reply.json["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8"], ids=["plain", "charset"]
)
def test_base64_encoded_body_is_decoded(users: ApiClient, content_type: str) -> None:
    event = http_event(
        "POST", "/users", headers={"content-type": content_type}, body=NEW_USER, base64_body=True
    )
    assert users.send(event).status == 201


@pytest.mark.parametrize(
    "body",
    ["not base64!", "eyJh", base64.b64encode(b"\xff\xfe{}").decode(), "eyJhIjoxfQ"],
    ids=["not-base64", "decodes-to-truncated-json", "decodes-to-non-utf8", "missing-padding"],
)
def test_body_marked_base64_that_is_not_is_400(storeless_api: ApiClient, body: str) -> None:
    event = with_body(http_event("POST", "/users", headers=JSON), body, base64_flag=True)
    reply = storeless_api.send(event)
    assert reply.status == 400, reply
    assert reply.headers["content-type"] == "application/problem+json"


SERVER_OWNED = [
    pytest.param({"id": "u-1"}, id="id"),
    pytest.param({"createdAt": "2025-01-01T00:00:00Z"}, id="createdAt"),
    pytest.param({"updatedAt": "2025-01-01T00:00:00Z"}, id="updatedAt"),
    pytest.param({"id": "u-1", "createdAt": "2025-01-01T00:00:00Z"}, id="id-and-createdAt"),
    pytest.param({"isAdmin": True}, id="unknown-isAdmin"),
    pytest.param({"version": 99}, id="internal-version"),
    pytest.param({"isAdmin": True, "id": "u-1"}, id="unknown-and-read-only"),
]


@pytest.mark.parametrize("extra", SERVER_OWNED)
@pytest.mark.parametrize(
    ("method", "path", "base"),
    [("POST", "/users", {"email": "a@example.com", "name": "A"}), ("PATCH", "/users/u-1001", {"name": "A"})],
    ids=["create", "update"],
)
def test_members_a_client_may_not_send_are_each_named_and_nothing_written(
    storeless_api: ApiClient, extra: dict[str, Any], method: str, path: str, base: dict[str, Any]
) -> None:
    reply = storeless_api.send(http_event(method, path, json_body={**base, **extra}))
    assert reply.status == 400
    assert reply.names("body") == set(extra)


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/users"), ("PATCH", "/users/u-1001")], ids=["create", "update"]
)
def test_huge_member_is_400_naming_it_before_storage(
    storeless_api: ApiClient, method: str, path: str
) -> None:
    body = {"email": "a@example.com", "name": "n" * 300_000}
    reply = storeless_api.send(http_event(method, path, json_body=body))
    assert reply.status == 400
    assert reply.names("body") == {"name"}


LIMIT = 1000


def body_of_size(size: int) -> str:
    text = json.dumps({"email": "a@example.com", "name": ""})
    return text[:-2] + "x" * (size - len(text)) + '"}'


@pytest.mark.parametrize(
    ("size", "base64_body", "status"),
    [
        (LIMIT, False, 400),
        (LIMIT + 1, False, 413),
        (LIMIT, True, 400),
        (LIMIT + 1, True, 413),
        (20 * LIMIT, True, 413),
    ],
    ids=["at-limit", "one-byte-over", "at-limit-base64", "one-byte-over-base64", "far-over-base64"],
)
def test_body_over_the_size_limit_is_413(untouchable: Any, size: int, base64_body: bool, status: int) -> None:
    api = ApiClient(Api(SPEC, operations, max_body_bytes=LIMIT))
    body = body_of_size(size)
    assert len(body.encode()) == size
    reply = api.send(http_event("POST", "/users", headers=JSON, body=body, base64_body=base64_body))
    assert reply.status == status  # at the limit the body is read, and its 900-letter name refused


def test_default_size_limit_is_one_mebibyte(storeless_api: ApiClient) -> None:
    reply = storeless_api.send(http_event("POST", "/users", headers=JSON, body=body_of_size(1024 * 1024 + 1)))
    assert reply.status == 413
    assert reply.json["code"] == "PAYLOAD_TOO_LARGE"
