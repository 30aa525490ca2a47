"""`python -m local.new_event` writes events shaped as the ones in events/, and only for real operations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import app
from local.new_event import EVENTS, TEMPLATE_EVENT, main
from tests import contract
from users import operations
from users.storage import UserStore


@pytest.fixture
def events_dir(tmp_path: Path) -> Path:
    shutil.copy(EVENTS / TEMPLATE_EVENT, tmp_path / TEMPLATE_EVENT)
    return tmp_path


def new_event(events_dir: Path, *argv: str) -> dict[str, Any]:
    assert main([*argv, "--events-dir", str(events_dir)]) == 0
    [written] = [p for p in events_dir.iterdir() if p.name != TEMPLATE_EVENT]
    return json.loads(written.read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The keys of an event, nested, without the values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k not in ("headers", "queryStringParameters")}
    return type(value).__name__


@pytest.mark.parametrize(
    ("existing", "argv"),
    [
        ("getUser.json", ["GET", "/users/0d6a4b2c-6f1e-4c1e-9a57-2f2d4e8b9c10"]),
        ("listUsers.json", ["GET", "/users?limit=10&tag=a&tag=b"]),
        ("createUser.json", ["POST", "/users", "--body", '{"email": "ada@example.com", "name": "Ada"}']),
        (
            "updateUser.json",
            ["PATCH", "/users/0d6a4b2c-6f1e-4c1e-9a57-2f2d4e8b9c10", "--body", '{"name": "A"}'],
        ),
        ("deleteUser.json", ["DELETE", "/users/0d6a4b2c-6f1e-4c1e-9a57-2f2d4e8b9c10"]),
    ],
    ids=lambda v: v if isinstance(v, str) else " ".join(v[:2]),
)
def test_a_new_event_has_the_shape_of_the_existing_one(
    events_dir: Path, existing: str, argv: list[str]
) -> None:
    written = new_event(events_dir, *argv)
    known = json.loads((EVENTS / existing).read_text(encoding="utf-8"))

    assert list(written) == list(known)  # same members, same order
    assert shape(written) == shape(known)
    assert written["routeKey"] == known["routeKey"]
    assert written["rawPath"] == known["rawPath"]
    assert written.get("pathParameters") == known.get("pathParameters")
    assert written.get("queryStringParameters") == known.get("queryStringParameters")
    assert written["headers"].get("content-type") == known["headers"].get("content-type")
    assert sorted(written["headers"]) == sorted(known["headers"])


def test_the_file_is_named_after_the_operation_id(events_dir: Path) -> None:
    main(["GET", "/health", "--events-dir", str(events_dir), "--name", "probe"])
    main(["GET", "/users/7", "--events-dir", str(events_dir)])

    assert sorted(p.name for p in events_dir.iterdir()) == ["getHealth.json", "getUser.json", "probe.json"]


def test_query_headers_and_body_are_written_as_api_gateway_sends_them(events_dir: Path) -> None:
    event = new_event(
        events_dir,
        "PATCH",
        "/users/a%20b",
        "--header",
        'If-Match: "3"',
        "--header",
        "X-Trace: one",
        "--header",
        "x-trace: two",
        "--query",
        "tag=x&tag=y",
        "--body",
        '{"name":"Ada é"}',
    )

    assert event["routeKey"] == "PATCH /users/{userId}"
    assert event["pathParameters"] == {"userId": "a b"}
    assert event["rawQueryString"] == "tag=x&tag=y"
    assert event["queryStringParameters"] == {"tag": "x,y"}
    assert event["headers"]["if-match"] == '"3"'
    assert event["headers"]["x-trace"] == "one,two"
    assert event["headers"]["content-type"] == "application/merge-patch+json"  # the spec's first
    assert event["body"] == '{"name": "Ada \\u00e9"}'
    assert event["headers"]["content-length"] == str(len(event["body"].encode()))
    assert event["requestContext"]["http"]["method"] == "PATCH"
    assert event["requestContext"]["routeKey"] == "PATCH /users/{userId}"


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["PUT", "/users"], "has no PUT operation"),
        (["GET", "/nowhere"], "No path of the spec matches"),
        (["GET", "users"], "must start with /"),
        (["GET", "/users/"], "without its trailing slash: /users"),
        (["POST", "/users"], "requires a request body"),
        (["POST", "/users", "--body", "{"], "not JSON"),
        (["GET", "/health", "--body", "{}"], "takes no request body"),
        (["GET", "/health", "--header", "no-colon"], "name:value"),
        (["GET", "/health", "--name", "../escape"], "not a file name"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_requests_the_spec_does_not_define_are_refused(
    events_dir: Path, argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--events-dir", str(events_dir)]) == 2

    assert complaint in capsys.readouterr().err
    assert [p.name for p in events_dir.iterdir()] == [TEMPLATE_EVENT]


def test_an_existing_event_is_kept_unless_forced(
    events_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["GET", "/health", "--events-dir", str(events_dir)]
    before = (events_dir / TEMPLATE_EVENT).read_text(encoding="utf-8")

    assert main(args) == 2
    assert "--force" in capsys.readouterr().err
    assert (events_dir / TEMPLATE_EVENT).read_text(encoding="utf-8") == before
    assert main([*args, "--force"]) == 0


def test_a_new_create_event_creates_a_user_through_the_handler(
    events_dir: Path, moto_store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations, "store", moto_store)
    event = new_event(events_dir, "POST", "/users", "--body", '{"email": "new@example.com", "name": "New"}')

    response = app.handler(event, None)

    contract.check(event, response)
    assert response["statusCode"] == 201
