"""Run event files through the Lambda handler, as `sam local invoke -e` does without Docker.

    python -m local.invoke events/getHealth.json [events/listUsers.json ...]

Each event goes to src/app.py's handler with a stand-in Lambda context, and the handler's response
is printed as JSON on stdout. Storage is the DynamoDB Local that `make dev` runs (port 8000, or
DYNAMODB_LOCAL_PORT), never AWS by accident: with `--aws`, the handler uses the environment as it
is instead (TABLE_NAME, AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, credentials), as in Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from local import server
from local.lambda_context import LambdaContext


class EventFileError(ValueError):
    """An event file is missing or does not hold a JSON object."""


def load_event(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EventFileError(f"{path}: no such event file") from None
    except OSError as error:
        raise EventFileError(f"{path}: cannot read it ({error.strerror})") from error
    try:
        event = json.loads(text)
    except json.JSONDecodeError as error:
        raise EventFileError(
            f"{path}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(event, dict):
        raise EventFileError(f"{path}: an event is a JSON object, this file holds a {type(event).__name__}")
    return event


def _point_at_local_dynamodb() -> None:
    port = os.environ.get("DYNAMODB_LOCAL_PORT", "8000")
    server.configure_environment(f"http://{server.HOST}:{port}")


def invoke(
    paths: list[Path], handler: server.Handler | None = None, out: Any = None, *, aws: bool = False
) -> int:
    """Invoke the handler with each event file in turn; return the process exit status."""
    out = out or sys.stdout
    # Check every file before the first invocation, so a typo does not leave half the events run.
    try:
        events = [(path, load_event(path)) for path in paths]
    except EventFileError as error:
        print(f"local.invoke: {error}", file=sys.stderr)
        return 2
    if handler is None:
        if not aws:
            _point_at_local_dynamodb()
        handler = server.load_handler()  # an import that fails is reported as Lambda reports it
    status = 0
    for path, event in events:
        context = LambdaContext()
        print(f"# {path} (request {context.aws_request_id})", file=sys.stderr)
        try:
            response = handler(event, context)
        except Exception as error:  # noqa: BLE001 - reported like Lambda does, as the result
            # What Lambda reports for a function that raised, as `sam local invoke` prints it.
            response = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": context.aws_request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            status = 1
        print(json.dumps(response, indent=2, ensure_ascii=False), file=out)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.invoke", description="Run event files through the Lambda handler."
    )
    parser.add_argument(
        "events", nargs="+", type=Path, metavar="EVENT.json", help="event files, e.g. events/*.json"
    )
    parser.add_argument(
        "--aws",
        action="store_true",
        help="use the AWS settings in the environment, not make dev's DynamoDB Local",
    )
    args = parser.parse_args(argv)
    return invoke(args.events, aws=args.aws)


if __name__ == "__main__":
    raise SystemExit(main())
