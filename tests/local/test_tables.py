"""Tables are created from template.yaml, so tests and local runs use the deployed shape."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.tables import (
    TEMPLATE,
    TemplateError,
    create_table,
    create_table_request,
    load_template,
    table_definition,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
OTHER_TABLES = FIXTURES / "cloudformation_tables.yaml"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


def test_users_table_in_template_has_a_string_pk_hash_key_and_ttl() -> None:
    properties = table_definition(TEMPLATE)

    assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


def test_create_table_makes_the_template_table_active_with_its_keys_and_ttl(client: Any) -> None:
    description = create_table(client, "users-shape")

    assert description["TableStatus"] == "ACTIVE"
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert description["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = client.describe_time_to_live(TableName="users-shape")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}


def test_create_table_keeps_an_existing_table_and_its_items(client: Any) -> None:
    create_table(client, "users-again")
    client.put_item(TableName="users-again", Item={"pk": {"S": "kept"}})

    create_table(client, "users-again")

    assert client.get_item(TableName="users-again", Key={"pk": {"S": "kept"}})["Item"] == {
        "pk": {"S": "kept"}
    }


def test_create_table_refuses_an_existing_table_with_another_key_schema(client: Any) -> None:
    client.create_table(
        TableName="users-old",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )

    with pytest.raises(TemplateError, match="another key schema"):
        create_table(client, "users-old")


def test_create_table_builds_indexes_streams_and_throughput_from_the_template(client: Any) -> None:
    description = create_table(client, "orders", OTHER_TABLES, logical_id="OrdersTable")

    assert {(k["AttributeName"], k["KeyType"]) for k in description["KeySchema"]} == {
        ("pk", "HASH"),
        ("sk", "RANGE"),
    }
    assert description["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    assert description["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    [gsi] = description["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "byStatus"
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]}
    [lsi] = description["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "byPlacedAt"
    assert description["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    ttl = client.describe_time_to_live(TableName="orders")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_request_leaves_out_what_boto3_create_table_does_not_take() -> None:
    request = create_table_request(table_definition(OTHER_TABLES, "OrdersTable"), "orders")

    assert set(request) == {
        "TableName",
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "StreamSpecification",
    }
    assert set(request["GlobalSecondaryIndexes"][0]) == {
        "IndexName",
        "KeySchema",
        "Projection",
        "ProvisionedThroughput",
    }


def test_short_form_tags_load_as_their_long_forms() -> None:
    template = load_template(OTHER_TABLES)
    tags = {tag["Key"]: tag["Value"] for tag in template["Resources"]["OrdersTable"]["Properties"]["Tags"]}

    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert template["Conditions"]["NotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert template["Conditions"]["Either"] == {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "NotProd"}]}
    assert tags["arn"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert tags["size"] == {"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Read"]}
    assert tags["data"] == {"Fn::Base64": {"Fn::Sub": "x"}}
    assert tags["name"] == {"Fn::Join": ["-", ["orders", {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}]]}
    assert tags["imported"] == {"Fn::ImportValue": "shared-name"}


def test_the_whole_deployed_template_loads() -> None:
    template = load_template(TEMPLATE)

    assert template["Resources"]["UsersTable"]["Type"] == "AWS::DynamoDB::Table"


def test_a_missing_table_resource_is_reported_with_the_tables_there_are() -> None:
    with pytest.raises(TemplateError, match=r"no resource 'Missing'.*OrdersTable, SubstitutedKeysTable"):
        table_definition(OTHER_TABLES, "Missing")


def test_a_resource_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(TemplateError, match="AWS::SQS::Queue, not a AWS::DynamoDB::Table"):
        table_definition(OTHER_TABLES, "Queue")


def test_a_key_schema_only_cloudformation_can_resolve_is_refused() -> None:
    with pytest.raises(TemplateError, match="uses Ref"):
        create_table_request(table_definition(OTHER_TABLES, "SubstitutedKeysTable"), "t")
