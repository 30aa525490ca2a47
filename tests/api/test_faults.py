"""DynamoDB faults (throttling, timeouts, service errors) become 503s that lose nothing."""

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from botocore.stub import Stubber

import app
from tests.api.offline import USER_ID, offline_client
from tests.client import ApiClient
from users import operations
from users.storage import UserStore

THROTTLES = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
SERVICE_ERRORS = ["InternalServerError", "ServiceUnavailable"]


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """Storage on a client whose every answer the test scripts."""
    client = offline_client()
    monkeypatch.setattr(operations, "store", UserStore("users", client))
    with Stubber(client) as stubber:
        yield stubber


@pytest.fixture
def api() -> ApiClient:
    return ApiClient(app.handler)


@pytest.mark.parametrize("code", THROTTLES + SERVICE_ERRORS)
def test_throttling_and_service_errors_are_503_with_retry_after(
    api: ApiClient, stubbed: Stubber, code: str
) -> None:
    stubbed.add_client_error(
        "get_item", service_error_code=code, http_status_code=400 if code in THROTTLES else 500
    )
    reply = api.get(f"/users/{USER_ID}")
    assert reply.status == 503
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert int(reply.headers["retry-after"]) >= 1
    assert code not in reply.text


@pytest.mark.parametrize("code", THROTTLES)
def test_throttled_transaction_is_503(api: ApiClient, stubbed: Stubber, code: str) -> None:
    stubbed.add_client_error("transact_write_items", service_error_code=code, http_status_code=400)
    reply = api.post("/users", json_body={"email": "t@example.com", "name": "T"})
    assert reply.status == 503


def test_an_unknown_storage_error_is_a_500_that_tells_nothing(
    api: ApiClient, stubbed: Stubber, caplog: pytest.LogCaptureFixture
) -> None:
    stubbed.add_client_error(
        "get_item",
        service_error_code="ResourceNotFoundException",
        service_message="Requested table users-prod",
    )
    reply = api.get(f"/users/{USER_ID}")
    assert reply.status == 500
    assert reply.json["code"] == "INTERNAL_ERROR"
    assert "users-prod" not in reply.text
    assert "ResourceNotFound" not in reply.text
    assert any(r.exc_info for r in caplog.records if r.levelname == "ERROR")


def _failing_client(error: Exception) -> Any:
    client = offline_client()

    def fail(**_: Any) -> None:
        raise error

    client.meta.events.register("before-send.dynamodb.*", fail)
    return client


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"),
    ],
    ids=["read-timeout", "connect-timeout"],
)
def test_timeouts_are_503(api: ApiClient, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    monkeypatch.setattr(operations, "store", UserStore("users", _failing_client(error)))
    reply = api.get(f"/users/{USER_ID}")
    assert reply.status == 503
    assert "retry-after" in reply.headers


def test_a_failed_transaction_writes_nothing(
    api: ApiClient, moto_store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations, "store", moto_store)

    def throttle(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"
        )

    moto_store.client.meta.events.register("before-call.dynamodb.TransactWriteItems", throttle)
    reply = api.post("/users", json_body={"email": "lost@example.com", "name": "Lost"})
    moto_store.client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", throttle)
    assert reply.status == 503
    assert moto_store.client.scan(TableName=moto_store.table)["Items"] == []
    assert api.post("/users", json_body={"email": "lost@example.com", "name": "Lost"}).status == 201


def test_the_default_client_has_bounded_timeouts_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    config = UserStore("users").client.meta.config
    assert config.connect_timeout <= 5
    assert config.read_timeout <= 10
    assert config.retries["total_max_attempts"] <= 4


@pytest.mark.parametrize(
    ("method", "call", "path", "body"),
    [
        ("transact_write_items", "post", "/users", {"email": "d@example.com", "name": "D"}),
        ("update_item", "patch", f"/users/{USER_ID}", {"bio": "x"}),
    ],
    ids=["create", "update"],
)
def test_an_access_denied_write_is_a_500_not_a_conflict_or_a_retry(
    api: ApiClient, stubbed: Stubber, method: str, call: str, path: str, body: dict[str, str]
) -> None:
    stubbed.add_client_error(method, service_error_code="AccessDeniedException", http_status_code=400)
    reply = getattr(api, call)(path, json_body=body)
    assert reply.status == 500
    assert "retry-after" not in reply.headers
    assert "AccessDenied" not in reply.text
