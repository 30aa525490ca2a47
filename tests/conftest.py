"""Fixtures shared by the suite: the handler on moto or on DynamoDB Local, contract-checked."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

import app
from local.tables import create_table
from tests.client import ApiClient
from users import operations
from users.storage import UserStore

# DynamoDB Local fixtures: dynamodb_local_endpoint (per session), dynamodb_table and local_store (per test).
pytest_plugins = ["tests.dynamodb"]

REGION = "us-east-1"


@pytest.fixture
def moto_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[UserStore]:
    """A UserStore on a moto table created from template.yaml."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, "users-unit")
        yield UserStore("users-unit", client)


@pytest.fixture(params=["moto", pytest.param("dynamodb-local", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> UserStore:
    """The operations' store: on moto for fast unit runs, and on DynamoDB Local for real semantics."""
    chosen: UserStore = request.getfixturevalue("moto_store" if request.param == "moto" else "local_store")
    monkeypatch.setattr(operations, "store", chosen)
    return chosen


@pytest.fixture
def api(store: UserStore) -> ApiClient:
    """The Lambda handler template.yaml names, with every response checked against openapi.yaml."""
    return ApiClient(app.handler)


class UntouchableStore:
    """Stands in for storage where a request must be answered without touching it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> None:
        self.calls.append(name)
        raise AssertionError(f"storage was called: {name}")


@pytest.fixture
def untouchable(monkeypatch: pytest.MonkeyPatch) -> UntouchableStore:
    store = UntouchableStore()
    monkeypatch.setattr(operations, "store", store)
    return store


@pytest.fixture
def storeless_api(untouchable: UntouchableStore) -> ApiClient:
    """The handler with storage that fails any test that reaches it."""
    return ApiClient(app.handler)
