"""A stand-in for the context object the Lambda Python runtime passes to a handler."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field

ACCOUNT_ID = "123456789012"


@dataclass
class LambdaContext:
    """The attributes and method of the runtime's context, with local values.

    `memory_limit_in_mb` is a string because the Python runtime reads it from the environment
    unconverted; code that does arithmetic with it has to convert it there too.
    """

    function_name: str = field(
        default_factory=lambda: os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "UsersFunction")
    )
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = field(
        default_factory=lambda: os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    )
    timeout_seconds: float = 10.0
    region: str = field(default_factory=lambda: os.environ.get("AWS_REGION", "us-east-1"))
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    identity: object | None = None
    client_context: object | None = None
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return time.strftime("%Y/%m/%d/[$LATEST]local", time.gmtime())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
