"""Cookies and header names as each payload format carries them, and cookies set in answers."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from dispatch import Api
from tests.client import ApiClient, Reply
from tests.inputs.conftest import RecordingStore
from tests.inputs.events import http_event, rest_event
from tests.inputs.fixtures import readings

SPEC = yaml.safe_load((Path(__file__).parent / "fixtures" / "readings.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def handler() -> Api:
    return Api(SPEC, readings)


def answer(handler: Api, event: dict[str, Any]) -> Reply:
    return Reply(handler(event, None))


def v2_cookies(cookies: Any, *, present: bool = True) -> dict[str, Any]:
    event = http_event("GET", "/readings")
    if present:
        event["cookies"] = cookies
    return event


def v1_cookie_lines(*lines: str) -> dict[str, Any]:
    event = rest_event("GET", "/readings", headers={"Cookie": lines[-1]})
    event["multiValueHeaders"]["Cookie"] = list(lines)
    return event


COOKIES = [
    pytest.param(v2_cookies(["session=s1", "theme=dark"]), id="http-api-cookies-array"),
    pytest.param(v2_cookies(["theme=dark", "session=s1"]), id="http-api-cookies-other-order"),
    pytest.param(v2_cookies(["session=s1; theme=dark"]), id="http-api-one-entry-holding-both"),
    pytest.param(
        rest_event("GET", "/readings", headers={"Cookie": "session=s1; theme=dark"}), id="rest-header"
    ),
    pytest.param(
        rest_event("GET", "/readings", headers={"cookie": "session=s1;theme=dark"}), id="rest-lower-case"
    ),
    pytest.param(v1_cookie_lines("session=s1", "theme=dark"), id="rest-two-cookie-header-lines"),
]


@pytest.mark.parametrize("event", COOKIES)
def test_cookies_reach_cookie_parameters(handler: Api, event: dict[str, Any]) -> None:
    reply = answer(handler, event)
    assert reply.status == 200, reply
    assert (reply.json["session"], reply.json["theme"]) == ("s1", "dark")


NO_COOKIES = [
    pytest.param(v2_cookies(None, present=False), id="http-api-no-cookies-key"),
    pytest.param(v2_cookies(None), id="http-api-cookies-null"),
    pytest.param(v2_cookies([]), id="http-api-cookies-empty"),
    pytest.param(rest_event("GET", "/readings"), id="rest-no-cookie-header"),
]


@pytest.mark.parametrize("event", NO_COOKIES)
def test_missing_or_null_cookies_are_no_cookies(handler: Api, event: dict[str, Any]) -> None:
    reply = answer(handler, event)
    assert reply.status == 200
    assert (reply.json["session"], reply.json["theme"]) == (None, None)


@pytest.mark.parametrize("build", [http_event, rest_event], ids=["http-api", "rest"])
def test_two_cookies_set_in_an_answer_are_never_folded(handler: Api, build: Any) -> None:
    event = build("POST", "/readings", headers={"Content-Type": "application/json"}, body='{"value": 1}')
    response = handler(event, None)
    assert response["statusCode"] == 201
    assert not any(name.lower() == "set-cookie" for name in response["headers"])
    expected = ["seen=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "last=2; Path=/; HttpOnly"]
    if build is http_event:
        assert response["cookies"] == expected
    else:
        assert response["multiValueHeaders"]["Set-Cookie"] == expected


CASES = ["Content-Type", "content-type", "CONTENT-TYPE", "cOnTeNt-TyPe"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("build", [http_event, rest_event], ids=["http-api", "rest"])
def test_content_type_header_is_found_in_any_case(users: ApiClient, name: str, build: Any) -> None:
    body = '{"email": "ana@example.com", "name": "Ana"}'
    reply = users.send(build("POST", "/users", headers={name: "application/json"}, body=body))
    assert reply.status == 201, reply


@pytest.mark.parametrize("name", ["If-Match", "if-match", "IF-MATCH"])
@pytest.mark.parametrize(("etag", "status"), [('"1"', 200), ('"9"', 412)], ids=["current", "stale"])
@pytest.mark.parametrize("build", [http_event, rest_event], ids=["http-api", "rest"])
def test_if_match_header_is_honoured_in_any_case(
    users: ApiClient, recorder: RecordingStore, name: str, etag: str, status: int, build: Any
) -> None:
    user = users.create_user().json
    headers = {name: etag, "Content-Type": "application/json"}
    reply = users.send(build("PATCH", f"/users/{user['id']}", headers=headers, body='{"name": "Bea"}'))
    assert reply.status == status, reply


@pytest.mark.parametrize(
    "headers",
    [{"content-type": 5}, {"content-type": None}, {"Content-Type": ["application/json"]}, {"x-n": {}}],
    ids=["number", "null", "list under a capitalised name", "object"],
)
def test_a_header_that_is_not_text_makes_the_event_unreadable(users: ApiClient, headers: Any) -> None:
    event = http_event("POST", "/users", body='{"email": "ana@example.com", "name": "Ana"}')
    event["headers"] = headers

    reply = users.send(event)

    assert reply.status == 400, reply
    expected = "The event is not an API Gateway request: headers is not an object of strings."
    assert reply.json["detail"] == expected
