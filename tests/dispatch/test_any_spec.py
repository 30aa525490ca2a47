"""The dispatcher serves a spec that has nothing to do with users, with no change of its own."""

import io
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from dispatch import Api
from dispatch.metrics import EmbeddedMetrics
from tests.client import http_event, rest_event
from tests.dispatch.fixtures import notes

SPEC = yaml.safe_load((Path(__file__).parent / "fixtures" / "notes.yaml").read_text())
TRACE = {"x-trace": "abc"}


@pytest.fixture(scope="module")
def handler() -> Api:
    return Api(SPEC, notes)


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response["body"] else None


def test_parameters_arrive_typed_under_snake_case_names(handler: Api) -> None:
    query = "pinned=true&minScore=0.5&ids=1,2,3"
    event = http_event("GET", "/notes", query=query, headers=TRACE, cookies=["session=s1", "theme=dark"])
    response = handler(event)
    assert response["statusCode"] == 200
    assert body(response) == {
        "trace": "abc",
        "pinned": True,
        "minScore": 0.5,
        "session": "s1",
        "ids": [1, 2, 3],
    }


def test_every_parameter_violation_is_listed_with_its_location(handler: Api) -> None:
    event = http_event("GET", "/notes", query="pinned=yes&minScore=0&ids=1,x", cookies=[])
    response = handler(event)
    assert response["statusCode"] == 400
    errors = {(e["in"], e["name"]) for e in body(response)["errors"]}
    assert errors == {("query", "pinned"), ("query", "minScore"), ("query", "ids"), ("header", "X-Trace")}


def test_int32_format_bounds_integers(handler: Api) -> None:
    response = handler(http_event("GET", "/notes", query="ids=2147483648", headers=TRACE))
    assert response["statusCode"] == 400


def test_concrete_path_wins_over_template(handler: Api) -> None:
    assert body(handler(http_event("GET", "/notes/mine"))) == {"route": "mine"}


def test_path_parameter_is_converted_and_checked(handler: Api) -> None:
    assert body(handler(http_event("GET", "/notes/42"))) == {"id": 42, "isInt": True}
    response = handler(http_event("GET", "/notes/0"))
    assert response["statusCode"] == 400
    assert body(response)["errors"][0] == {
        "in": "path",
        "name": "noteId",
        "message": "must be bigger than or equal to 1",
    }


def test_returning_none_with_204_sends_no_body(handler: Api) -> None:
    response = handler(http_event("GET", "/notes/7"))
    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert "Content-Type" not in response["headers"]


def test_vendor_json_media_type_and_nested_violations(handler: Api) -> None:
    sent = {"text": 5, "score": 11.5, "id": "n1", "meta": {"tags": ["ok", "long"]}}
    event = http_event(
        "POST", "/notes", body=json.dumps(sent), headers={"content-type": "application/vnd.notes+json"}
    )
    response = handler(event)
    assert response["statusCode"] == 400
    assert {e["name"] for e in body(response)["errors"]} == {"text", "score", "id", "meta.tags[1]"}


def test_read_only_member_is_refused_in_a_request(handler: Api) -> None:
    event = http_event(
        "POST",
        "/notes",
        body='{"text": "t", "id": "n1"}',
        headers={"content-type": "application/vnd.notes+json"},
    )
    response = handler(event)
    assert body(response)["errors"] == [{"in": "body", "name": "id", "message": "may not be sent"}]


def test_fractions_reach_the_function_as_decimals_not_floats(handler: Api) -> None:
    received: dict[str, Any] = {}

    def create_note(body: dict[str, Any] | None = None) -> dict[str, Any]:
        received.update(body or {})
        return {}

    api = Api(SPEC, {**vars(notes), "create_note": create_note})
    event = http_event(
        "POST",
        "/notes",
        body='{"text": "t", "score": 0.1}',
        headers={"content-type": "application/vnd.notes+json"},
    )
    assert api(event)["statusCode"] == 201
    assert received["score"] == Decimal("0.1")
    assert isinstance(received["score"], Decimal)


def test_two_cookies_are_never_folded_into_one_header(handler: Api) -> None:
    event = http_event(
        "POST", "/notes", body='{"text": "t"}', headers={"content-type": "application/vnd.notes+json"}
    )
    v2 = handler(event)
    assert v2["cookies"] == ["a=1; Path=/", "b=2; Path=/"]
    assert "Set-Cookie" not in v2["headers"]
    v1 = handler(
        rest_event(
            "POST", "/notes", body='{"text": "t"}', headers={"Content-Type": "application/vnd.notes+json"}
        )
    )
    assert v1["multiValueHeaders"]["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]


def test_unexpected_exception_is_a_generic_500_with_the_traceback_logged(
    handler: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="dispatch"):
        response = handler(http_event("DELETE", "/notes/3"))
    assert response["statusCode"] == 500
    assert body(response)["code"] == "INTERNAL_ERROR"
    assert "hunter2" not in response["body"]
    assert "RuntimeError" not in response["body"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors
    assert errors[0].exc_info is not None
    assert "hunter2" in str(errors[0].exc_info[1])


def test_one_structured_log_line_per_request(handler: Api, caplog: pytest.LogCaptureFixture) -> None:
    event = http_event("GET", "/notes/5")
    with caplog.at_level(logging.INFO, logger="dispatch"):
        handler(event)
    lines = [r for r in caplog.records if hasattr(r, "durationMs")]
    assert len(lines) == 1
    line = lines[0]
    assert line.requestId == event["requestContext"]["requestId"]  # type: ignore[attr-defined]
    assert line.operationId == "getNote"  # type: ignore[attr-defined]
    assert line.status == 200  # type: ignore[attr-defined]
    assert isinstance(line.durationMs, float)  # type: ignore[attr-defined]
    assert isinstance(line.coldStart, bool)  # type: ignore[attr-defined]
    assert line.getMessage().startswith("getNote ")


def test_functions_that_ask_get_the_authorizers_claims(handler: Api) -> None:
    event = http_event("GET", "/whoami")
    event["requestContext"]["authorizer"] = {
        "jwt": {"claims": {"sub": "u-7", "scope": "users"}, "scopes": None}
    }
    assert body(handler(event)) == {"claims": {"sub": "u-7", "scope": "users"}, "user": "u-7"}


def test_rest_api_authorizer_claims_arrive_the_same_way(handler: Api) -> None:
    event = rest_event("GET", "/whoami")
    event["requestContext"]["authorizer"] = {"claims": {"sub": "u-8"}}
    assert body(handler(event))["user"] == "u-8"


def test_without_an_authorizer_the_claims_are_empty(handler: Api) -> None:
    assert body(handler(http_event("GET", "/whoami"))) == {"claims": {}, "user": None}


def test_embedded_metrics_line_per_request_when_configured() -> None:
    stream = io.StringIO()
    api = Api(SPEC, notes, metrics=EmbeddedMetrics("UsersApi", "users-api-dev", stream))
    api(http_event("GET", "/notes/5"))
    api(http_event("GET", "/notes/0"))
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    directive = first["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "UsersApi"
    assert directive["Dimensions"] == [["Service"]]
    assert {m["Name"] for m in directive["Metrics"]} == {
        "Requests",
        "ClientErrors",
        "ServerErrors",
        "Latency",
    }
    assert (first["Service"], first["Requests"], first["ClientErrors"], first["status"]) == (
        "users-api-dev",
        1,
        0,
        200,
    )
    assert (second["ClientErrors"], second["ServerErrors"], second["operationId"]) == (1, 0, "getNote")


def test_an_undeclared_status_is_answered_but_logged_as_our_contract_violation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = Api(SPEC, {**vars(notes), "my_notes": lambda: ({"route": "mine"}, 202)})
    with caplog.at_level(logging.WARNING, logger="dispatch"):
        response = api(http_event("GET", "/notes/mine"))
    assert response["statusCode"] == 202
    assert any("202" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_a_crash_is_logged_once_at_error(handler: Api, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="dispatch"):
        handler(http_event("DELETE", "/notes/3"))
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == [logging.ERROR]


def _items_api(result: Any) -> Api:
    """An API whose one operation, GET /items, returns `result`."""
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "lists", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "responses": {"200": {"description": "the items", "content": {"application/json": {}}}},
                }
            }
        },
    }

    def list_items() -> Any:
        return result

    return Api(spec, type("Operations", (), {"list_items": staticmethod(list_items)}))


@pytest.mark.parametrize("items", [[], ["a"], ["a", "b"], ["a", 201, {}]], ids=len)
def test_a_list_returned_is_the_body_whatever_its_length(items: list[Any]) -> None:
    # Only a tuple means (body, status[, headers]): a JSON array of two or three items is a body.
    response = _items_api(items)(http_event("GET", "/items"))

    assert response["statusCode"] == 200
    assert body(response) == items


def test_a_tuple_of_another_length_is_a_500_that_names_the_mistake_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = _items_api(([], 200, {}, "extra"))(http_event("GET", "/items"))

    assert response["statusCode"] == 500
    assert "listItems returned a 4-tuple, not (body, status[, headers])" in caplog.text
    assert "4-tuple" not in response["body"]
