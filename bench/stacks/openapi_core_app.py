"""openapi-core 0.23 validating each request against openapi.yaml in front of users.operations.

openapi-core validates and unmarshals but does not dispatch, so a thin router (a regex per path
template, built from the same spec) finds the operation and hands openapi-core the matched path
pattern; a path it does not know goes to openapi-core too, which answers "not found". Everything
the request carries is checked by `OpenAPI.unmarshal_request`.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from bench.stacks.gateway_spec import spec_without_security
from dispatch import HttpProblem
from users import operations

ROOT = Path(__file__).resolve().parents[2]
_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_JSON = json.loads


openapi = OpenAPI.from_dict(
    spec_without_security(),
    config=Config(extra_media_type_deserializers={"application/merge-patch+json": _JSON}),
)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace("-", "_").lower()


def _routes() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    routes = []
    for template, item in (openapi.spec / "paths").items():
        with item.open() as path_item:
            methods = {m: path_item[m]["operationId"] for m in _HTTP_METHODS if m in path_item}
        pattern = re.compile("^" + re.sub(r"\{([^}/]+)\}", r"(?P<\1>[^/]+)", template) + "$")
        functions = {m: getattr(operations, _snake(op_id)) for m, op_id in methods.items()}
        routes.append((pattern, template, functions))
    return routes


_ROUTES = _routes()


class EventRequest:
    """An API Gateway payload 2.0 event as openapi-core's Request (and SupportsPathPattern)."""

    host_url = "https://api.example.com"

    def __init__(self, event: dict[str, Any], path_pattern: str | None, path_values: dict[str, str]) -> None:
        headers = event.get("headers") or {}
        self.method = event["requestContext"]["http"]["method"].lower()
        self.path = event["rawPath"]
        self.path_pattern = path_pattern or self.path
        self.content_type = headers.get("content-type", "")
        raw = event.get("body")
        if raw is None:
            self.body: bytes | None = None
        else:
            self.body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
        cookies = dict(c.split("=", 1) for c in event.get("cookies") or [] if "=" in c)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(event.get("rawQueryString", ""), keep_blank_values=True)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(cookies),
            path=path_values,
        )


def _response(
    status: int, body: Any, headers: dict[str, str], media: str = "application/json"
) -> dict[str, Any]:
    if body is None:
        return {"statusCode": status, "headers": headers}
    return {"statusCode": status, "headers": {"content-type": media, **headers}, "body": json.dumps(body)}


def _problem(problem: HttpProblem, request_id: str) -> dict[str, Any]:
    return _response(
        problem.status, problem.body(request_id), dict(problem.headers), "application/problem+json"
    )


def _violations(errors: list[Exception]) -> list[dict[str, str]]:
    found = []
    for error in errors:
        cause = error.__cause__
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            found += [
                {"in": "body", "name": ".".join(map(str, e.path)) or "body", "message": e.message}
                for e in schema_errors
            ]
        else:
            found.append({"in": "request", "name": type(error).__name__, "message": str(cause or error)})
    return found


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    request_id = event.get("requestContext", {}).get("requestId", "")
    path = event["rawPath"]
    template, functions, match = None, {}, None
    for pattern, route_template, route_functions in _ROUTES:
        match = pattern.match(path)
        if match:
            template, functions = route_template, route_functions
            break
    request = EventRequest(event, template, match.groupdict() if match else {})
    result = openapi.unmarshal_request(request)
    if result.errors:
        if any(isinstance(e, PathError) for e in result.errors):
            status = 404 if match is None else 405
            body = {
                "status": status,
                "code": "NOT_FOUND" if status == 404 else "METHOD_NOT_ALLOWED",
                "requestId": request_id,
            }
            return _response(status, body, {}, "application/problem+json")
        body = {
            "status": 400,
            "code": "VALIDATION_ERROR",
            "requestId": request_id,
            "errors": _violations(result.errors),
        }
        return _response(400, body, {}, "application/problem+json")
    parameters = result.parameters
    arguments = {_snake(k): v for k, v in {**parameters.query, **parameters.path}.items()}
    arguments.update({_snake(k): v for k, v in parameters.header.items()})
    if result.body is not None:
        arguments["body"] = result.body
    try:
        answer = functions[request.method](**arguments)
    except HttpProblem as problem:
        return _problem(problem, request_id)
    status, headers = 200, {}
    if isinstance(answer, tuple):
        answer, status, *rest = answer
        headers = rest[0] if rest else {}
    return _response(status, answer, headers)


def use_memory_store() -> object:
    from bench.memstore import use_in_users_operations  # noqa: PLC0415 - only warm runs swap the store

    return use_in_users_operations()
