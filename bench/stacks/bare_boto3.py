"""The floor for a DynamoDB read: boto3 and one GetItem, nothing else.

It makes the same call the project's storage makes for GET /users/{userId} (same client
configuration, consistent read, same key and the same item deserialiser), so the difference from
the project's handler is what the framework adds to a cold request that reaches DynamoDB.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config

_client: Any = None


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    global _client
    if _client is None:
        config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
        _client = boto3.client("dynamodb", config=config)
    user_id = event["pathParameters"]["userId"]
    found = _client.get_item(
        TableName=os.environ["TABLE_NAME"], Key={"pk": {"S": "USER#" + user_id}}, ConsistentRead=True
    )
    item = found.get("Item")
    if item is None:
        return {"statusCode": 404, "body": "{}"}
    deserialise = TypeDeserializer().deserialize
    user = {k: deserialise(v) for k, v in item.items() if k not in ("pk", "kind", "version")}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(user, default=str),
    }
