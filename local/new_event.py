"""Write a new API Gateway payload 2.0 event into events/, for `sam local invoke -e` and `make invoke`.

    python -m local.new_event GET /users/42
    python -m local.new_event POST /users --body '{"email": "ada@example.com", "name": "Ada"}'
    python -m local.new_event GET '/users?limit=5&tag=a&tag=b' --name listUsersByTag
    python -m local.new_event PATCH /users/42 --header 'If-Match: "3"' --body '{"name": "Ada"}'

The event is shaped as the files already there: the route API Gateway would match (routeKey from
the operation's path template, decoded pathParameters), lower-case headers with content-length,
rawQueryString as given and queryStringParameters with repeated keys comma-joined. It is named after
the operationId unless --name says otherwise. A method and path the spec has no operation for are
refused, as is an existing file unless --force.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from local.spec import SOURCE, import_from_src, load_yaml_spec

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
TEMPLATE_EVENT = "getHealth.json"  # the shape every new event copies: headers, requestContext
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


class EventError(ValueError):
    """The request asked for cannot be an event of this API."""


class Match:
    def __init__(self, template: str, operation: dict[str, Any], path_parameters: dict[str, str]) -> None:
        self.template = template
        self.operation = operation
        self.path_parameters = path_parameters

    @property
    def operation_id(self) -> str:
        return str(self.operation.get("operationId") or "")


def match(spec: dict[str, Any], method: str, path: str) -> Match:
    """The spec's operation for `method` and `path`, found by the dispatcher's own router."""
    import_from_src()
    from dispatch.routing import operation_router, without_trailing_slash  # noqa: PLC0415 - needs src/
    from dispatch.spec import Document  # noqa: PLC0415

    if without_trailing_slash(path) != path:
        # The dispatcher would serve it as the path without the slash; an event should not rely on it.
        raise EventError(f"Write the path without its trailing slash: {without_trailing_slash(path)}")
    found = operation_router(Document(spec)).match(path, decode=True)
    if found is None:
        raise EventError(f"No path of the spec matches {path}.")
    route, values = found
    operation = route.methods.get(method.upper())
    if operation is None:
        allowed = ", ".join(sorted(route.methods)) or "nothing"
        wanted = method.upper()
        raise EventError(f"{route.template} has no {wanted} operation in the spec (it has {allowed}).")
    return Match(route.template, operation, values)


def build_event(
    spec: dict[str, Any],
    method: str,
    target: str,
    *,
    body: str | None = None,
    headers: list[str] | None = None,
    query: list[str] | None = None,
    template_event: dict[str, Any],
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """The operationId and the event for `method` `target` (a path, optionally with ?query)."""
    method = method.upper()
    path, _, inline_query = target.partition("?")
    if not path.startswith("/"):
        raise EventError(f"The path must start with /, not {path!r}.")
    found = match(spec, method, path)
    raw_query = "&".join(part for part in [inline_query, *(query or [])] if part)

    all_headers = {
        k: v for k, v in template_event["headers"].items() if k not in ("content-length", "content-type")
    }
    now = now or datetime.now(UTC)
    all_headers["x-amzn-trace-id"] = f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"
    given: dict[str, str] = {}
    for header in headers or []:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            raise EventError(f"A header is written name:value, not {header!r}.")
        key, value = name.strip().lower(), value.strip()
        # Payload 2.0 joins the values of a repeated header with commas.
        given[key] = f"{given[key]},{value}" if key in given else value
    all_headers.update(given)

    request_body = found.operation.get("requestBody")
    if body is not None:
        if request_body is None:
            raise EventError(f"{found.operation_id} takes no request body.")
        try:
            body = json.dumps(json.loads(body))  # the spacing of the existing events
        except json.JSONDecodeError as error:
            raise EventError(f"--body is not JSON: {error}") from None
        media_types = list(_resolve(spec, request_body).get("content") or {"application/json": {}})
        all_headers.setdefault("content-type", media_types[0])
        all_headers["content-length"] = str(len(body.encode("utf-8")))
    elif request_body is not None and _resolve(spec, request_body).get("required"):
        raise EventError(f"{found.operation_id} requires a request body: pass --body JSON.")

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {found.template}",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": dict(sorted(all_headers.items())),
    }
    folded = fold_query(raw_query)
    if folded:
        event["queryStringParameters"] = folded
    context = json.loads(json.dumps(template_event["requestContext"]))
    context["http"].update(method=method, path=path)
    context["http"]["userAgent"] = all_headers.get("user-agent", "")
    context.update(
        requestId=base64.b64encode(secrets.token_bytes(11)).decode("ascii"),
        routeKey=event["routeKey"],
        time=now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        timeEpoch=int(now.timestamp() * 1000),
    )
    event["requestContext"] = context
    if found.path_parameters:
        event["pathParameters"] = found.path_parameters
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = False
    return found.operation_id, event


def fold_query(raw_query: str) -> dict[str, str]:
    """queryStringParameters as API Gateway sends them: decoded, a repeated key's values comma-joined."""
    folded: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        folded[key] = f"{folded[key]},{value}" if key in folded else value
    return folded


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def write_event(event: dict[str, Any], name: str, events_dir: Path, *, force: bool = False) -> Path:
    if not _NAME.match(name):
        raise EventError(f"{name!r} is not a file name for events/ (letters, digits, . _ -).")
    path = events_dir / f"{name.removesuffix('.json')}.json"
    if path.exists() and not force:
        raise EventError(
            f"{_shown(path)} exists: pass --name to choose another name, or --force to replace it."
        )
    path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.new_event",
        description="Write an API Gateway payload 2.0 event for one operation of openapi.yaml into events/.",
    )
    parser.add_argument("method", help="GET, POST, PATCH, ...")
    parser.add_argument("path", help="the request path, e.g. /users/42 or '/users?limit=5'")
    parser.add_argument("--body", help="the request body, as JSON text")
    parser.add_argument("--header", action="append", default=[], metavar="NAME:VALUE", help="repeatable")
    parser.add_argument("--query", action="append", default=[], metavar="K=V[&K=V]", help="repeatable")
    parser.add_argument("--name", help="the file name in events/ (default: the operationId)")
    parser.add_argument("--force", action="store_true", help="replace a file of that name")
    parser.add_argument("--events-dir", type=Path, default=EVENTS, help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, default=SOURCE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    try:
        template_event = json.loads((args.events_dir / TEMPLATE_EVENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        template_event = json.loads((EVENTS / TEMPLATE_EVENT).read_text(encoding="utf-8"))
    try:
        operation_id, event = build_event(
            load_yaml_spec(args.spec),
            args.method,
            args.path,
            body=args.body,
            headers=args.header,
            query=args.query,
            template_event=template_event,
        )
        path = write_event(event, args.name or operation_id, args.events_dir, force=args.force)
    except EventError as error:
        print(f"new_event: {error}", file=sys.stderr)
        return 2
    print(f"wrote {_shown(path)} ({event['routeKey']}); try it with: make invoke EVENT={_shown(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
