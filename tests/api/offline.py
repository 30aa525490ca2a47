"""A DynamoDB client with nowhere to send requests, for tests that script its every answer."""

from typing import Any

import boto3
from botocore.config import Config

USER_ID = "0d6a4b2c-6f1e-4c1e-9a57-2f2d4e8b9c10"


def offline_client() -> Any:
    """A DynamoDB client that makes one attempt per call and has nowhere real to send it."""
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
