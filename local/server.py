"""The local API: the Lambda handler behind a WSGI stand-in for API Gateway (HTTP API, payload 2.0).

    python -m local.server        (what `make dev` runs)

It starts DynamoDB Local with its data in .local/dynamodb, creates the table from template.yaml and
serves http://127.0.0.1:3000. Every request becomes the event API Gateway would send on the
`$default` route; the handler's result becomes the HTTP response. Saving a Python file under src/ or
local/, or src/openapi.json, restarts the serving process (saving openapi.yaml rewrites
src/openapi.json first); DynamoDB Local keeps running in the parent.

Environment: PORT (3000), DYNAMODB_LOCAL_PORT (8000), TABLE_NAME (users), AWS_REGION (us-east-1).

Limitation: only API Gateway's 10 MB request body limit is imitated. Its 30 s timeout, header size
limits and Lambda's 6 MB payload limits are not.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from werkzeug.datastructures import Headers
from werkzeug.serving import WSGIRequestHandler, is_running_from_reloader, run_simple
from werkzeug.wrappers import Request, Response

from local import spec
from local.docs import ApiDocs
from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalError, PortInUseError
from local.lambda_context import ACCOUNT_ID, LambdaContext
from local.tables import create_table

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".local" / "dynamodb"
HOST = "127.0.0.1"
DEFAULT_PORT = 3000
MAX_BODY_BYTES = 10 * 1024 * 1024
# What restarts the serving process when it changes. werkzeug's own "*.py" pattern never matches
# here: watchdog 7 on Python 3.13 matches a pattern against the whole absolute path
# (PurePath.full_match), so the Python sources are listed as absolute globs.
WATCHED_FILES = [
    ROOT / "openapi.yaml",
    ROOT / "src" / "openapi.json",
    ROOT / "src" / "**" / "*.py",
    ROOT / "local" / "*.py",
]

Handler = Callable[[dict[str, Any], Any], Any]

log = logging.getLogger("local.server")


class HandlerImportError(RuntimeError):
    """The handler's module did not import, as a Lambda whose init failed."""


class GatewayResponse(Response):
    # API Gateway adds no content type of its own; werkzeug's default would be text/plain.
    default_mimetype = None


class LocalApi:
    """A WSGI application that calls `handler` as API Gateway calls a Lambda function."""

    def __init__(
        self,
        handler: Handler,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        context_factory: Callable[[], Any] = LambdaContext,
    ) -> None:
        self.handler = handler
        self.max_body_bytes = max_body_bytes
        self.context_factory = context_factory

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        response = self.respond(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        # The path only: query strings can carry personal data (?email=...), which stays out of logs.
        log.info("%s %s %d %.1f ms", request.method, request.path, response.status_code, elapsed_ms)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        body = read_body(request, self.max_body_bytes)
        if body is None:
            return gateway_error(413, "Request Entity Too Large")
        event = http_event(request, body)
        try:
            result = self.handler(event, self.context_factory())
        except HandlerImportError as error:
            log.error("%s", error)
            return gateway_error(500, "Internal Server Error")
        except Exception:
            log.exception("The handler raised; API Gateway would answer 500.")
            return gateway_error(500, "Internal Server Error")
        try:
            return lambda_response(result)
        except (TypeError, ValueError, KeyError) as error:
            log.error(
                "The handler returned a response API Gateway cannot use (%s); it would answer 500.", error
            )
            return gateway_error(500, "Internal Server Error")


def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None if it is longer than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    # A chunked request has no length to check first, so read at most one byte past the limit.
    while chunk := request.stream.read(min(65536, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


def http_event(
    request: Request,
    body: bytes,
    *,
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway would send for `request` on the `$default` route."""
    environ = request.environ
    now = now or datetime.now(UTC)
    source_ip = environ.get("REMOTE_ADDR") or HOST

    headers: dict[str, str] = {}
    # The WSGI server has already joined repeated headers into one value.
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookie_header = headers.pop("cookie", None)
    forwarded_for = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded_for}, {source_ip}" if forwarded_for else source_ip
    headers["x-forwarded-port"] = str(environ.get("SERVER_PORT", ""))
    headers["x-forwarded-proto"] = request.scheme

    # WSGI carries the query string as latin-1 text of the bytes received; undo that to get them back.
    raw_query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
    domain_name = urlsplit(f"//{request.host}").hostname or HOST

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        # HTTP APIs hand the path to the function percent-decoded; werkzeug decodes it the same way.
        "rawPath": request.path,
        "rawQueryString": raw_query,
    }
    if cookie_header:
        event["cookies"] = [part.strip() for part in cookie_header.split(";") if part.strip()]
    event["headers"] = headers
    query = query_parameters(raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or str(uuid.uuid4()),
        "routeKey": "$default",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    claims = unverified_claims(headers.get("authorization", ""))
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    if body:
        try:
            event["body"] = body.decode("utf-8")
            event["isBase64Encoded"] = False
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def unverified_claims(authorization: str) -> dict[str, str] | None:
    """The claims of a `Bearer` JWT, as API Gateway's JWT authorizer passes them on: all strings.

    Development mode: the signature, issuer and expiry are NOT checked here (API Gateway checks
    them when deployed), so any token a developer makes up is accepted and its claims reach the
    operation functions the way they would in Lambda.
    """
    scheme, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    return {str(name): _claim_text(value) for name, value in payload.items()}


def _claim_text(value: Any) -> str:
    # API Gateway hands every claim over as a string; a list becomes "[a b]".
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    return json.dumps(value)


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded query parameters with the values of a repeated key comma-joined, as API Gateway does."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def lambda_response(result: Any) -> Response:
    """The HTTP response API Gateway makes of a function's payload 2.0 result."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # Without a statusCode, API Gateway sends the whole result as a 200 JSON body.
        return GatewayResponse(json.dumps(result), 200, content_type="application/json")
    status = result["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool):
        raise TypeError(f"statusCode must be an integer, not {status!r}")

    headers = Headers()
    multi_value = {name.lower(): values for name, values in (result.get("multiValueHeaders") or {}).items()}
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in multi_value:
            headers.add(name, _header_value(value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            headers.add(name, _header_value(value))
    for cookie in result.get("cookies") or []:
        headers.add("Set-Cookie", cookie)
    # The server computes the length of the body it actually sends.
    headers.remove("Content-Length")

    body = result.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        raise TypeError(f"body must be a string, not {type(body).__name__}")
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(body, validate=True)
    else:
        payload = body.encode("utf-8")
    return GatewayResponse(payload, status, headers)


def gateway_error(status: int, message: str) -> Response:
    """An error API Gateway produces itself, without calling the function."""
    return GatewayResponse(json.dumps({"message": message}), status, content_type="application/json")


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without its access log: LocalApi logs each request itself."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def load_handler() -> Handler:
    """src/app.py's handler, imported as Lambda imports it; a failing import answers 500 until fixed."""
    spec.import_from_src()
    try:
        import app  # noqa: PLC0415 - importable only once src/ is on sys.path, and only in the child
    except Exception:
        log.exception("Importing src/app.py failed; every request gets a 500 until a saved fix reloads it.")

        def broken(event: dict[str, Any], context: Any) -> Any:
            raise HandlerImportError("src/app.py failed to import (traceback above); answering 500.")

        return broken
    return app.handler


def configure_environment(dynamodb_endpoint: str) -> None:
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    os.environ["AWS_REGION"] = region
    # boto3 reads AWS_DEFAULT_REGION; Lambda sets both.
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        # DynamoDB Local checks only that a request is signed, not by whom.
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - not a secret: DynamoDB Local ignores it
        os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.setdefault("TABLE_NAME", "users")


def _not_served(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    raise RuntimeError("the reloader's parent process serves no requests")


def _reloader_excludes() -> list[str]:
    """What the watchdog reloader must not watch.

    werkzeug watches every directory on sys.path recursively, and the project root is on it. Under
    the root lie the virtualenvs and node_modules, thousands of directories: watching them floods
    inotify, whose overflow recovery walks them again, and the reloader spins at 100% CPU. So the
    root itself and the interpreter's prefixes are left out; src/ and local/ are still watched
    because modules were imported from them, and openapi.yaml is watched by `_watch_openapi_yaml`.

    The generated validators are left out too: they are rewritten file by file, and a restart on
    the first would serve a half-written set, then restart again on the next, dropping requests.
    src/openapi.json, written after them, restarts the server once per change of the spec.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    generated = f"{spec.VALIDATORS}/*"
    return [str(ROOT), generated, *(f"{prefix}*" for prefix in sorted(prefixes))]


def _watch_openapi_yaml() -> Any:
    """Rewrite src/openapi.json when openapi.yaml changes; that change then restarts the server."""
    source = str(spec.SOURCE)

    class Regenerate(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in ("modified", "created", "moved"):
                return
            if source not in (event.src_path, getattr(event, "dest_path", None)):
                return
            # In a process of its own, so it runs the generator as it is now: this parent lives as
            # long as `make dev`, and would keep the dispatch and codegen modules it first imported.
            done = subprocess.run(
                [sys.executable, "-m", "local.spec"], cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:  # a half-edited spec must not stop the server
                log.warning("openapi.yaml does not load; src/openapi.json is unchanged.\n%s", done.stderr)

    observer = Observer()
    observer.schedule(Regenerate(), str(ROOT), recursive=False)
    observer.daemon = True
    observer.start()
    return observer


def _serve(port: int, application: Callable[..., Iterable[bytes]]) -> None:
    run_simple(
        HOST,
        port,
        application,
        use_reloader=True,
        reloader_type="watchdog",
        # Lambda serves concurrent requests from separate instances; threads stand in for them.
        threaded=True,
        # openapi.yaml's directory (the root) is not watched, see _reloader_excludes.
        extra_files=[str(path) for path in WATCHED_FILES],
        exclude_patterns=_reloader_excludes(),
        request_handler=_QuietRequestHandler,
    )


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    # The server prints its own line per request (method, path, status, time); the handler's own
    # per-request line is for Lambda's JSON logs. Its warnings and errors still show.
    logging.getLogger("dispatch").setLevel(logging.WARNING)
    port = int(os.environ.get("PORT", DEFAULT_PORT))

    if is_running_from_reloader():
        # The serving child: the parent already started DynamoDB Local and put its endpoint in the
        # environment this process inherited.
        _serve(port, ApiDocs(LocalApi(load_handler())))
        return 0

    # Stop DynamoDB Local on `kill` as on Ctrl-C.
    # A closed terminal (SIGHUP) or `kill` stops DynamoDB Local too, as Ctrl-C does.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda *_: sys.exit(0))

    dynamodb_port = int(os.environ.get("DYNAMODB_LOCAL_PORT", "8000"))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:
        with DynamoDBLocal(dynamodb_port, DATA_DIR) as dynamodb:
            configure_environment(dynamodb.endpoint)
            table_name = os.environ["TABLE_NAME"]
            create_table(boto3.client("dynamodb"), table_name)
            log.info(
                "DynamoDB Local: %s, table %r, data in %s",
                dynamodb.endpoint,
                table_name,
                DATA_DIR.relative_to(ROOT),
            )
            log.info("Users API: http://%s:%d (Ctrl-C stops both)", HOST, port)
            log.info("API docs: http://%s:%d/docs", HOST, port)
            # The parent rewrites the generated files: the child exits at the first file it sees
            # change, and would leave the rest of a rewrite undone.
            _watch_openapi_yaml()
            _serve(port, _not_served)
    except PortInUseError as error:
        log.error("%s Set DYNAMODB_LOCAL_PORT to use another port.", error)
        return 1
    except DynamoDBLocalError as error:
        log.error("%s", error)
        return 1
    except KeyboardInterrupt:
        pass
    log.info("Stopped the local API and DynamoDB Local.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
