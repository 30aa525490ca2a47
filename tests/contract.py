"""Every response a test produces is checked against openapi.yaml with openapi-core.

openapi-core is the reference implementation here: independent of the dispatcher, slower, and
thorough. A response with an undocumented status, a body off its schema or an undeclared
content type fails the test that produced it.
"""

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_schema_validator import OAS30Validator
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from dispatch.events import BadEvent, parse_event

ROOT = Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
_OPENAPI = OpenAPI.from_dict(
    SPEC,
    # openapi-core reads only application/json as JSON unless told; every error here is problem+json.
    config=Config(extra_media_type_deserializers={"application/problem+json": json.loads}),
)
_FINDER = APICallPathFinder(_OPENAPI.spec)
_PROBLEM = OAS30Validator({**SPEC["components"]["schemas"]["Problem"], "components": SPEC["components"]})


def _below_stage(path: str, event: dict[str, Any]) -> str:
    stage = event["requestContext"].get("stage")
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    return path


def _event_request(event: dict[str, Any]) -> Any:
    """The HTTP request an API Gateway event stands for, as werkzeug sees it."""
    if "requestContext" in event and "http" in event.get("requestContext", {}):
        method = event["requestContext"]["http"]["method"]
        path = _below_stage(event.get("rawPath", "/"), event)
        path = path.rstrip("/") or "/"  # the dispatcher serves /users/ as /users
        query = event.get("rawQueryString", "")
        headers = dict(event.get("headers") or {})
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
    else:
        method = event["httpMethod"]
        path = event["path"]
        if event.get("version") == "1.0":  # an HTTP API's payload 1.0 keeps the stage (REST's does not)
            path = _below_stage(path, event)
        path = path.rstrip("/") or "/"  # the dispatcher serves /users/ as /users
        multi = event.get("multiValueQueryStringParameters") or {}
        single = event.get("queryStringParameters") or {}
        pairs = [(k, v) for k, vs in multi.items() for v in vs] or list(single.items())
        query = urlencode(pairs)
        headers = dict(event.get("headers") or {})
    body = event.get("body")
    data = b""
    if isinstance(body, str):
        try:
            data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        except ValueError:
            data = body.encode()  # not base64 after all: the handler must refuse it
    builder = EnvironBuilder(
        method=method,
        path=path or "/",
        query_string=query,
        headers=headers,
        data=data,
        base_url="http://localhost",
    )
    return builder.get_request()


def _lambda_response(response: dict[str, Any]) -> Response:
    headers = list((response.get("headers") or {}).items())
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers += [(name, v) for v in values]
    headers += [("Set-Cookie", c) for c in response.get("cookies") or []]
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    return Response(data, status=response["statusCode"], headers=headers)


class ContractViolation(AssertionError):
    pass


def check(event: dict[str, Any], response: dict[str, Any]) -> None:
    """Fail unless `response` is one openapi.yaml allows for `event`'s request."""
    request = _event_request(event)
    answer = _lambda_response(response)
    status = response["statusCode"]
    if request.method in ("HEAD", "OPTIONS"):
        # Not operations of the spec: HEAD answers as GET would but without a body, OPTIONS
        # answers CORS preflights (204) or says the path is unknown (404, with a problem body).
        if request.method == "OPTIONS" and status == 404:
            _check_problem(answer, status)
            return
        if response.get("body"):
            raise ContractViolation(f"{request.method} answered {status} with a body")
        if request.method == "HEAD":
            as_get = EnvironBuilder(
                method="GET", path=request.path, base_url="http://localhost"
            ).get_request()
            as_get = WerkzeugOpenAPIRequest(as_get)
            if not _no_operation(as_get) and str(status) not in _documented_statuses(as_get):
                raise ContractViolation(f"HEAD {request.path} -> {status}, not a status GET documents")
        return
    openapi_request = WerkzeugOpenAPIRequest(request)
    if status in (404, 405) and _no_operation(openapi_request):
        _check_problem(answer, status)
        return
    if status == 400 and _unreadable_event(event):
        _check_problem(answer, status)
        return
    try:
        _OPENAPI.validate_response(openapi_request, WerkzeugOpenAPIResponse(answer))
    except Exception as error:
        raise ContractViolation(
            f"{request.method} {request.path} -> {status}: {error!r}\n{response}"
        ) from error
    if status >= 400:
        _check_problem(answer, status)


def _no_operation(request: Any) -> bool:
    """True when the spec has no operation for this method and path (a 404 or 405 is then right)."""
    try:
        _FINDER.find(request.method.lower(), request.host_url.rstrip("/") + request.path)
    except PathError:
        return True
    return False


def _documented_statuses(request: Any) -> set[str]:
    found = _FINDER.find(request.method.lower(), request.host_url.rstrip("/") + request.path)
    return {str(code) for code in (found.operation / "responses").keys()}  # noqa: SIM118 - a SchemaPath


def _unreadable_event(event: Any) -> bool:
    """True for an event the dispatcher cannot read as an HTTP request (answered 400, no operation)."""
    try:
        parse_event(event, max_body_bytes=1 << 30)
    except BadEvent:
        return True
    return False


def _check_problem(answer: Response, status: int) -> None:
    if answer.content_type != "application/problem+json":
        raise ContractViolation(f"{status} answered with {answer.content_type}, not application/problem+json")
    body = json.loads(answer.get_data())
    errors = sorted(_PROBLEM.iter_errors(body), key=str)
    if errors:
        raise ContractViolation(f"{status} problem body off the Problem schema: {errors[0].message}")
    if body["status"] != status:
        raise ContractViolation(f"problem says status {body['status']} but the response is {status}")
