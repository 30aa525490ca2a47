"""The local API turns HTTP requests into API Gateway payload 2.0 events and results into responses."""

import base64
import io
import json
from typing import Any

import pytest
from werkzeug.test import Client

from local.lambda_context import LambdaContext
from local.server import MAX_BODY_BYTES, LocalApi


class RecordingHandler:
    """A handler that keeps the events it gets and answers with a set result."""

    def __init__(self, result: Any = None) -> None:
        self.result = result if result is not None else {"statusCode": 200, "body": ""}
        self.events: list[dict[str, Any]] = []
        self.contexts: list[Any] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        self.contexts.append(context)
        return self.result

    @property
    def event(self) -> dict[str, Any]:
        [event] = self.events
        return event


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def client(handler: RecordingHandler) -> Client:
    # Without a cookie jar, so a Cookie header reaches the app exactly as the test writes it.
    return Client(LocalApi(handler), use_cookies=False)


def test_a_get_becomes_a_payload_2_event_on_the_default_route(
    client: Client, handler: RecordingHandler
) -> None:
    client.get("/users/42", headers={"User-Agent": "probe/1.0"})

    event = handler.event
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/users/42"
    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event
    assert "pathParameters" not in event
    assert "body" not in event
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/users/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "probe/1.0",
    }
    assert context["stage"] == "$default"
    assert context["routeKey"] == "$default"
    assert context["domainName"] == "localhost"
    assert len(context["requestId"]) == 36
    assert isinstance(context["timeEpoch"], int)
    assert context["time"].endswith(" +0000")


def test_each_request_gets_its_own_request_id_and_a_lambda_context(
    client: Client, handler: RecordingHandler
) -> None:
    client.get("/")
    client.get("/")

    first, second = (event["requestContext"]["requestId"] for event in handler.events)
    assert first != second
    assert all(isinstance(context, LambdaContext) for context in handler.contexts)
    assert handler.contexts[0].get_remaining_time_in_millis() > 0


def test_repeated_query_keys_are_comma_joined_and_the_raw_query_is_kept(
    client: Client, handler: RecordingHandler
) -> None:
    client.get("/users?tag=a&tag=b&q=x%2Cy&empty=&name=J%C3%BCrgen")

    event = handler.event
    assert event["rawQueryString"] == "tag=a&tag=b&q=x%2Cy&empty=&name=J%C3%BCrgen"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "x,y", "empty": "", "name": "Jürgen"}


def test_the_path_arrives_percent_decoded_as_http_apis_send_it(
    client: Client, handler: RecordingHandler
) -> None:
    client.get("/users/a%20b")

    assert handler.event["rawPath"] == "/users/a b"
    assert handler.event["requestContext"]["http"]["path"] == "/users/a b"


def test_header_names_are_lower_cased(client: Client, handler: RecordingHandler) -> None:
    client.get("/", headers={"X-Request-Thing": "Value Case Kept", "Accept": "application/json"})

    headers = handler.event["headers"]
    assert headers["x-request-thing"] == "Value Case Kept"
    assert headers["accept"] == "application/json"
    assert all(name == name.lower() for name in headers)


def test_repeated_headers_reach_the_handler_as_one_comma_joined_value(
    client: Client, handler: RecordingHandler
) -> None:
    client.get("/", headers=[("X-Multi", "a"), ("X-Multi", "b")])

    assert [part.strip() for part in handler.event["headers"]["x-multi"].split(",")] == ["a", "b"]


def test_forwarding_headers_are_added_as_api_gateway_adds_them(
    client: Client, handler: RecordingHandler
) -> None:
    client.get("/", headers={"X-Forwarded-For": "203.0.113.9"})

    headers = handler.event["headers"]
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == "80"


def test_cookies_arrive_as_a_list_and_not_as_a_header(client: Client, handler: RecordingHandler) -> None:
    client.get("/", headers={"Cookie": "session=abc; theme=dark"})

    assert handler.event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in handler.event["headers"]


def test_a_request_without_cookies_has_no_cookies_member(client: Client, handler: RecordingHandler) -> None:
    client.get("/")

    assert "cookies" not in handler.event


def test_a_utf8_body_arrives_as_text(client: Client, handler: RecordingHandler) -> None:
    client.post("/users", data='{"name": "Zoë"}'.encode(), content_type="application/json")

    assert handler.event["body"] == '{"name": "Zoë"}'
    assert handler.event["isBase64Encoded"] is False
    assert handler.event["headers"]["content-type"] == "application/json"


def test_a_body_that_is_not_utf8_arrives_base64_encoded(client: Client, handler: RecordingHandler) -> None:
    payload = bytes([0xFF, 0x00, 0x89, 0x50])

    client.post("/upload", data=payload, content_type="application/octet-stream")

    assert handler.event["isBase64Encoded"] is True
    assert base64.b64decode(handler.event["body"]) == payload


def test_a_body_over_10_mb_gets_413_without_calling_the_handler(
    client: Client, handler: RecordingHandler
) -> None:
    response = client.post("/users", data=b"x" * (MAX_BODY_BYTES + 1), content_type="application/json")

    assert response.status_code == 413
    assert response.json == {"message": "Request Entity Too Large"}
    assert handler.events == []


def test_a_body_at_the_limit_reaches_the_handler(handler: RecordingHandler) -> None:
    client = Client(LocalApi(handler, max_body_bytes=8))

    client.post("/", data=b"12345678")

    assert handler.event["body"] == "12345678"


def test_a_chunked_body_over_the_limit_gets_413(handler: RecordingHandler) -> None:
    client = Client(LocalApi(handler, max_body_bytes=8))

    # A chunked request: no Content-Length, the server marks the input as ending by itself.
    response = client.post(
        "/",
        input_stream=io.BytesIO(b"123456789"),
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 413
    assert handler.events == []


def test_status_headers_and_body_are_written_back(handler: RecordingHandler, client: Client) -> None:
    handler.result = {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "Location": "/users/1", "X-Flag": True},
        "body": json.dumps({"id": "1"}),
    }

    response = client.post("/users", data="{}")

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Location"] == "/users/1"
    assert response.headers["X-Flag"] == "true"
    assert response.json == {"id": "1"}


def test_cookies_in_the_result_become_separate_set_cookie_headers(
    handler: RecordingHandler, client: Client
) -> None:
    handler.result = {"statusCode": 204, "cookies": ["a=1; HttpOnly", "b=2; Path=/"]}

    response = client.get("/")

    assert response.headers.getlist("Set-Cookie") == ["a=1; HttpOnly", "b=2; Path=/"]


def test_a_base64_result_body_is_decoded(handler: RecordingHandler, client: Client) -> None:
    handler.result = {
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "body": base64.b64encode(b"\x89PNG\x00\xff").decode(),
        "isBase64Encoded": True,
    }

    response = client.get("/logo.png")

    assert response.data == b"\x89PNG\x00\xff"


def test_multi_value_headers_become_repeated_headers(handler: RecordingHandler, client: Client) -> None:
    handler.result = {
        "statusCode": 200,
        "headers": {"Vary": "ignored", "X-One": "1"},
        "multiValueHeaders": {"Vary": ["Accept", "Origin"]},
        "body": "",
    }

    response = client.get("/")

    assert response.headers.getlist("Vary") == ["Accept", "Origin"]
    assert response.headers["X-One"] == "1"


def test_a_response_without_content_type_gets_none_added(handler: RecordingHandler, client: Client) -> None:
    handler.result = {"statusCode": 204}

    response = client.get("/")

    assert "Content-Type" not in response.headers
    assert response.data == b""


def test_a_result_without_status_code_is_sent_as_a_200_json_body(
    handler: RecordingHandler, client: Client
) -> None:
    handler.result = {"ok": True}

    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {"ok": True}


def test_a_handler_that_raises_gives_api_gateways_500(caplog: pytest.LogCaptureFixture) -> None:
    def failing(event: dict[str, Any], context: Any) -> Any:
        raise RuntimeError("boom")

    response = Client(LocalApi(failing)).get("/")

    assert response.status_code == 500
    assert response.json == {"message": "Internal Server Error"}
    assert "boom" in caplog.text


@pytest.mark.parametrize(
    "result",
    [
        pytest.param({"statusCode": "200"}, id="status-as-string"),
        pytest.param({"statusCode": 200, "body": {"a": 1}}, id="body-not-a-string"),
        pytest.param({"statusCode": 200, "body": "%%%", "isBase64Encoded": True}, id="bad-base64"),
    ],
)
def test_a_malformed_result_gives_api_gateways_500(result: dict[str, Any], handler: RecordingHandler) -> None:
    handler.result = result

    response = Client(LocalApi(handler)).get("/")

    assert response.status_code == 500
    assert response.json == {"message": "Internal Server Error"}


def test_each_request_is_logged_with_method_path_status_and_duration_but_no_query(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="local.server")

    client.get("/users?email=ana@example.com")

    [record] = [r for r in caplog.records if r.name == "local.server"]
    assert record.getMessage().startswith("GET /users 200 ")
    assert record.getMessage().endswith(" ms")
    assert "ana@example.com" not in record.getMessage()


def _segment(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


def _token(claims: dict[str, object]) -> str:
    return f"{_segment({'alg': 'none'})}.{_segment(claims)}.signature"


def test_a_bearer_tokens_claims_reach_the_handler_as_a_jwt_authorizer_passes_them(
    client: Client, handler: RecordingHandler
) -> None:
    token = _token({"sub": "u-1", "groups": ["admin", "beta"], "exp": 1700000000})
    client.get("/users", headers={"Authorization": f"Bearer {token}"})
    authorizer = handler.event["requestContext"]["authorizer"]
    claims = {"sub": "u-1", "groups": "[admin beta]", "exp": "1700000000"}
    assert authorizer == {"jwt": {"claims": claims, "scopes": None}}


@pytest.mark.parametrize("authorization", ["", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer a.!!!.c"])
def test_no_authorizer_context_without_a_readable_bearer_token(
    client: Client, handler: RecordingHandler, authorization: str
) -> None:
    client.get("/users", headers={"Authorization": authorization} if authorization else {})
    assert "authorizer" not in handler.event["requestContext"]
