"""DynamoDB Local starts from the npm package's jar, holds the template's table and stops cleanly."""

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalError, PortInUseError, find_jar
from local.tables import create_table
from tests.dynamodb import create_test_table, dynamodb_client


def test_a_missing_jar_is_reported_with_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(DynamoDBLocalError, match="run `make setup`"):
        find_jar(tmp_path)


def test_a_missing_java_is_reported_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(DynamoDBLocalError, match=r"No Java runtime.*run `make setup`"):
        DynamoDBLocal().start()


@pytest.mark.integration
def test_in_memory_dynamodb_local_holds_the_template_table_and_stops() -> None:
    with DynamoDBLocal(port=0, db_path=None) as dynamodb:
        assert dynamodb.running
        client = dynamodb_client(dynamodb.endpoint)
        create_table(client, "users")
        client.put_item(TableName="users", Item={"pk": {"S": "USER#1"}, "name": {"S": "Ada"}})

        item = client.get_item(TableName="users", Key={"pk": {"S": "USER#1"}}, ConsistentRead=True)["Item"]

        assert item == {"pk": {"S": "USER#1"}, "name": {"S": "Ada"}}
        ttl = client.describe_time_to_live(TableName="users")["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
    assert not dynamodb.running


@pytest.mark.integration
def test_a_transaction_with_a_failing_condition_is_cancelled_as_a_whole(dynamodb_local_endpoint: str) -> None:
    client = dynamodb_client(dynamodb_local_endpoint)
    table = create_test_table(dynamodb_local_endpoint)
    client.put_item(TableName=table, Item={"pk": {"S": "EMAIL#a@example.com"}})

    with pytest.raises(ClientError) as raised:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "USER#2"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": "EMAIL#a@example.com"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    error: Any = raised.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in error["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "USER#2"}})


@pytest.mark.integration
def test_a_taken_port_is_refused_before_starting(dynamodb_local_endpoint: str) -> None:
    taken = int(dynamodb_local_endpoint.rsplit(":", 1)[1])

    with pytest.raises(PortInUseError, match=f"Port {taken} is already in use"):
        DynamoDBLocal(port=taken).start()
