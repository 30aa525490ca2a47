"""Paths as API Gateway hands them over: named stages, trailing slashes, decoded values, no route."""

from typing import Any

import pytest
import yaml

from dispatch import Api, Cors
from tests.client import ApiClient, Reply
from tests.contract import ROOT
from tests.inputs.conftest import RecordingStore
from tests.inputs.events import http_event, rest_event, rest_routed_event, routed_event
from users import operations

SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
ORIGIN = "https://app.example.com"


def same_answer(first: Reply, second: Reply) -> None:
    assert (first.status, first.headers, first.json) == (second.status, second.headers, second.json)


STAGES = [
    pytest.param("$default", id="default-stage"),
    pytest.param("prod", id="stage-prod"),
    pytest.param("v2-beta", id="stage-with-hyphen"),
    pytest.param("users", id="stage-named-like-a-path"),
]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("routed", [True, False], ids=["route-matched", "default-route"])
def test_get_user_on_any_stage_is_answered_by_the_operation(
    users: ApiClient, recorder: RecordingStore, stage: str, routed: bool
) -> None:
    # GIVEN one user that exists and an id that does not
    created = users.create_user().json
    for user_id, status in ((created["id"], 200), ("u-1001", 404)):
        recorder.forget()
        template = "/users/{userId}" if routed else None
        # WHEN API Gateway sends GET /users/{id} through the stage
        reply = users.send(
            routed_event("GET", f"/users/{user_id}", template, {"userId": user_id}, stage=stage)
        )
        # THEN the operation answered (its 200 or its 404), never routing
        assert reply.status == status, reply
        assert recorder.asked_for("get") == [user_id]


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(
    ("path", "template"),
    [("/health", "/health"), ("/users", "/users"), ("/health", None), ("/users", None)],
    ids=["health-routed", "list-routed", "health-default-route", "list-default-route"],
)
def test_collection_paths_on_any_stage_answer_200(
    users: ApiClient, stage: str, path: str, template: str | None
) -> None:
    assert users.send(routed_event("GET", path, template, stage=stage)).status == 200


EXECUTE_API = "r3pmxmplak.execute-api.us-east-1.amazonaws.com"  # API Gateway's own host
CUSTOM_DOMAIN = "api.example.com"
LOOKALIKE = "r3pmxmplak.execute-api.us-east-1.amazonaws.com.example.net"  # a custom domain too
NEW_USER = '{"email": "staged@example.com", "name": "Ana Lima"}'
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(
    ("domain", "stage_in_url"),
    [(EXECUTE_API, True), (CUSTOM_DOMAIN, False), (LOOKALIKE, False)],
    ids=["execute-api", "custom-domain", "custom-domain-like-execute-api"],
)
def test_created_user_location_is_the_path_the_client_can_follow(
    users: ApiClient, stage: str, domain: str, stage_in_url: bool
) -> None:
    # GIVEN a create sent through the stage: on API Gateway's own host the client's URL is
    # https://host/{stage}/users; on a custom domain the stage is not in it
    event = routed_event("POST", "/users", "/users", stage=stage, headers=JSON, body=NEW_USER)
    event["requestContext"]["domainName"] = domain
    # WHEN it is served
    reply = users.send(event)
    # THEN Location is the new user's path as the client's URL has it
    assert reply.status == 201, reply
    prefix = f"/{stage}" if stage_in_url and stage != "$default" else ""
    assert reply.headers["location"] == f"{prefix}/users/{reply.json['id']}"
    fetched = users.send(
        routed_event("GET", reply.headers["location"].removeprefix(prefix), None, stage=stage)
    )
    assert fetched.json == reply.json


@pytest.mark.parametrize("domain", [EXECUTE_API, CUSTOM_DOMAIN], ids=["execute-api", "custom-domain"])
def test_http_api_payload_1_0_on_a_named_stage_routes_below_the_stage(users: ApiClient, domain: str) -> None:
    # GIVEN an HTTP API integration in payload 1.0: its path keeps the stage (a REST API's does not)
    event = rest_event("POST", "/prod/users", headers=JSON, body=NEW_USER)
    event["version"] = "1.0"
    event["requestContext"].update(stage="prod", path="/prod/users", domainName=domain)
    # WHEN it is served THEN it is the create operation, and Location is what the client can follow
    reply = users.send(event)
    assert reply.status == 201, reply
    prefix = "/prod" if domain == EXECUTE_API else ""
    assert reply.headers["location"] == f"{prefix}/users/{reply.json['id']}"


@pytest.mark.parametrize(
    ("domain", "prefix"), [(EXECUTE_API, "/prod"), (CUSTOM_DOMAIN, "")], ids=["execute-api", "custom-domain"]
)
def test_rest_api_location_has_the_stage_only_where_the_url_has_it(
    users: ApiClient, domain: str, prefix: str
) -> None:
    # GIVEN a REST API event, whose path is below the stage
    event = rest_event("POST", "/users", headers=JSON, body=NEW_USER)
    event["requestContext"].update(stage="prod", path=f"{prefix}/users", domainName=domain)
    # WHEN it is served THEN Location starts with the stage only on API Gateway's own host
    reply = users.send(event)
    assert reply.status == 201, reply
    assert reply.headers["location"] == f"{prefix}/users/{reply.json['id']}"


@pytest.mark.parametrize("stage", ["/evil.example", "a/b", "\\evil", "pro d", ""], ids=repr)
def test_a_stage_name_api_gateway_cannot_have_never_starts_location(users: ApiClient, stage: str) -> None:
    event = routed_event("POST", "/users", "/users", headers=JSON, body=NEW_USER)
    event["requestContext"]["stage"] = stage
    reply = users.send(event)
    assert reply.status == 201, reply
    assert reply.headers["location"] == f"/users/{reply.json['id']}"


TRAILING = [
    pytest.param("/health", id="health"),
    pytest.param("/users", id="users"),
    pytest.param("/users/{id}", id="existing-user"),
    pytest.param("/users/u-1001", id="missing-user"),
]


@pytest.mark.parametrize("path", TRAILING)
@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_trailing_slash_is_served_as_the_path_without_it(users: ApiClient, path: str, version: str) -> None:
    path = path.replace("{id}", users.create_user().json["id"])
    build = http_event if version == "2.0" else rest_event
    # GIVEN the answer to the path as the spec writes it (contract-checked)
    without = users.send(build("GET", path))
    # WHEN the same path arrives with a trailing slash
    with_slash = users.send(build("GET", path + "/"))
    # THEN the answer is the same
    same_answer(with_slash, without)


DECODED_IDS = [
    pytest.param("Ana Lima", id="space"),
    pytest.param("José", id="non-ascii"),
    pytest.param("a+b", id="plus"),
    pytest.param("50%", id="bare-percent"),
    pytest.param("50%25", id="percent-escape-as-text"),
    pytest.param("a%41b", id="escape-like-text"),
]


@pytest.mark.parametrize("user_id", DECODED_IDS)
@pytest.mark.parametrize("routed", [True, False], ids=["route-matched", "default-route"])
def test_http_api_path_value_reaches_the_operation_exactly_as_decoded(
    users: ApiClient, recorder: RecordingStore, user_id: str, routed: bool
) -> None:
    # GIVEN an HTTP API event: rawPath and pathParameters are already percent-decoded
    template = "/users/{userId}" if routed else None
    event = routed_event("GET", f"/users/{user_id}", template, {"userId": user_id})
    # WHEN it is served
    reply = users.send(event)
    # THEN the operation was asked for that very id (and its 404 is the answer), decoded once only
    assert reply.status == 404
    assert recorder.asked_for("get") == [user_id]


@pytest.mark.parametrize(
    ("sent", "meant"),
    [("Ana%20Lima", "Ana Lima"), ("Jos%C3%A9", "José"), ("50%25", "50%"), ("a%2Bb", "a+b")],
    ids=["space", "non-ascii", "percent", "plus"],
)
@pytest.mark.parametrize("routed", [True, False], ids=["resource-of-spec", "proxy-resource"])
def test_rest_api_percent_encoded_path_value_is_decoded_once(
    users: ApiClient, recorder: RecordingStore, sent: str, meant: str, routed: bool
) -> None:
    # GIVEN a REST API event: path and pathParameters arrive percent-encoded, as the client sent them
    if routed:
        event = rest_routed_event("GET", f"/users/{sent}", "/users/{userId}", {"userId": sent})
    else:
        event = rest_event("GET", f"/users/{sent}")
    # WHEN it is served THEN the operation sees the decoded id
    assert users.send(event).status == 404
    assert recorder.asked_for("get") == [meant]


@pytest.mark.parametrize(
    "path", ["/nope", "/", "/userss", "/users/u-1001/extra", "/health/x", "/USERS"], ids=str
)
@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_path_no_operation_has_is_404_without_storage(
    storeless_api: ApiClient, path: str, method: str
) -> None:
    reply = storeless_api.send(http_event(method, path))
    assert reply.status == 404
    if method == "HEAD":
        assert reply.text == ""
    else:
        assert reply.json["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/health", "GET, HEAD"),
        ("POST", "/health", "GET, HEAD"),
        ("DELETE", "/users", "GET, HEAD, POST"),
        ("PUT", "/users", "GET, HEAD, POST"),
        ("POST", "/users/u-1001", "DELETE, GET, HEAD, PATCH"),
        ("PUT", "/users/u-1001", "DELETE, GET, HEAD, PATCH"),
    ],
    ids=lambda v: v.replace(", ", "-") if isinstance(v, str) else v,
)
def test_method_the_path_lacks_is_405_listing_the_allowed_ones(
    storeless_api: ApiClient, method: str, path: str, allowed: str
) -> None:
    reply = storeless_api.send(http_event(method, path, json_body={"name": "x"}))
    assert reply.status == 405
    assert reply.headers["allow"] == allowed
    assert reply.json["code"] == "METHOD_NOT_ALLOWED"


@pytest.fixture
def cors_api(untouchable: Any) -> ApiClient:
    """The Users API with one browser origin allowed, and storage that must not be reached."""
    return ApiClient(Api(SPEC, operations, cors=Cors(frozenset({ORIGIN}))))


PREFLIGHTS = [
    pytest.param("/users/u-1001", "PATCH", "content-type, if-match", id="patch-user-with-headers"),
    pytest.param("/users/u-1001", "PATCH", None, id="patch-user-without-headers"),
    pytest.param("/users/u-1001", "DELETE", "if-match", id="delete-user"),
    pytest.param("/users", "POST", "content-type", id="create-user"),
    pytest.param("/users/" + "x" * 500, "GET", None, id="path-value-the-spec-refuses"),
    pytest.param("/health", "get", None, id="method-in-lower-case"),
]


@pytest.mark.parametrize(("path", "method", "request_headers"), PREFLIGHTS)
def test_preflight_from_allowed_origin_is_204_with_cors_headers_and_no_validation(
    cors_api: ApiClient, path: str, method: str, request_headers: str | None
) -> None:
    # GIVEN a browser preflight from an allowed origin, with no body and no If-Match
    headers = {"origin": ORIGIN, "access-control-request-method": method}
    if request_headers is not None:
        headers["access-control-request-headers"] = request_headers
    # WHEN it is served
    reply = cors_api.send(http_event("OPTIONS", path, headers=headers))
    # THEN it is allowed, nothing was validated, and storage was not touched (untouchable)
    assert reply.status == 204
    assert reply.text == ""
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert method.upper() in reply.headers["access-control-allow-methods"].split(", ")
    allowed_headers = reply.headers["access-control-allow-headers"].split(", ")
    assert set((request_headers or "").replace(" ", "").split(",")) - {""} <= set(allowed_headers)
    assert "access-control-max-age" in reply.headers


@pytest.mark.parametrize(
    ("origin", "method"),
    [("https://evil.example", "PATCH"), (ORIGIN, "PUT"), (ORIGIN, "")],
    ids=["other-origin", "method-the-path-lacks", "no-requested-method"],
)
def test_preflight_not_allowed_gets_no_cors_permission(cors_api: ApiClient, origin: str, method: str) -> None:
    headers = {"origin": origin, "access-control-request-method": method}
    reply = cors_api.send(http_event("OPTIONS", "/users/u-1001", headers=headers))
    assert reply.status == 204
    assert "access-control-allow-methods" not in reply.headers


@pytest.mark.parametrize("path", ["/nope", "/users/a/b"], ids=str)
def test_preflight_on_unknown_path_is_404(cors_api: ApiClient, path: str) -> None:
    headers = {"origin": ORIGIN, "access-control-request-method": "GET"}
    reply = cors_api.send(http_event("OPTIONS", path, headers=headers))
    assert reply.status == 404
    assert reply.json["code"] == "NOT_FOUND"


HEADS = [
    pytest.param("/health", "", id="health"),
    pytest.param("/users", "limit=5", id="list"),
    pytest.param("/users/{id}", "", id="existing-user"),
    pytest.param("/users/u-1001", "", id="missing-user-404"),
    pytest.param("/users", "limit=abc", id="invalid-query-400"),
]


@pytest.mark.parametrize(("path", "query"), HEADS)
@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_head_answers_as_get_without_a_body(users: ApiClient, path: str, query: str, version: str) -> None:
    path = path.replace("{id}", users.create_user().json["id"])

    def event(method: str) -> dict[str, Any]:
        if version == "2.0":
            return http_event(method, path, query=query)
        parsed = dict(part.split("=") for part in query.split("&") if part)
        return rest_event(method, path, query={k: [v] for k, v in parsed.items()})

    got = users.send(event("GET"))
    head = users.send(event("HEAD"))
    assert (head.status, head.headers) == (got.status, got.headers)
    assert head.text == ""
