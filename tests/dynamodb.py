"""DynamoDB Local for the test suite: one JVM per session, one fresh table per test that asks.

tests/conftest.py loads it as a plugin (`pytest_plugins`), so every test can ask for its fixtures.
Tests that use these fixtures need DynamoDB Local, so mark them `integration`.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.dynamodb_local import DynamoDBLocal
from local.tables import TEMPLATE, create_table
from users.storage import UserStore

REGION = "us-east-1"


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """The endpoint URL of an in-memory DynamoDB Local on a free port, shared by the whole session."""
    with DynamoDBLocal(port=0, db_path=None) as dynamodb:
        yield dynamodb.endpoint


def dynamodb_client(endpoint: str) -> Any:
    """A boto3 DynamoDB client for `endpoint`, with the dummy credentials DynamoDB Local accepts."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def create_test_table(endpoint: str, *, prefix: str = "users-test", template_path: Path = TEMPLATE) -> str:
    """Create a table shaped as template.yaml's UsersTable under a unique name; return the name."""
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    create_table(dynamodb_client(endpoint), name, template_path)
    return name


@pytest.fixture
def dynamodb_table(dynamodb_local_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh table for one test, and the environment the handler reads pointed at it.

    Sets TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB, the region and dummy credentials for the test's
    duration, then returns the table name.
    """
    name = create_test_table(dynamodb_local_endpoint)
    monkeypatch.setenv("TABLE_NAME", name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local_endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return name


@pytest.fixture
def local_store(dynamodb_table: str, dynamodb_local_endpoint: str) -> UserStore:
    """A UserStore on a fresh DynamoDB Local table created from template.yaml."""
    return UserStore(dynamodb_table, dynamodb_client(dynamodb_local_endpoint))
