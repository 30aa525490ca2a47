"""The Users API under Connexion 3 on an ASGI server: same openapi.yaml, same operation functions.

    make serve-connexion     (http://127.0.0.1:3001, DynamoDB Local as `make dev` uses it)
    PYTHONPATH=src uvicorn --factory hosts.connexion_app:create_app     (in a container: set
                              TABLE_NAME and the AWS environment, as for the Lambda)

This is not part of the Lambda artifact. It exists for hosts that want an ASGI server, and as a
second opinion: tests run the same requests through the Lambda handler and through this app and
expect the same answers. Connexion routes, parses and validates with its own code; what this module
adds is what keeps the answers alike:

- header parameters (If-Match, Idempotency-Key) reach the functions as snake_case keywords, as the
  dispatcher passes them; Connexion itself passes only path, query and body values;
- every response names its content type from the spec, since Connexion cannot choose one when an
  operation declares both application/json and application/problem+json;
- domain errors (`dispatch.HttpProblem`), Connexion's validation errors, unknown routes (404) and
  wrong methods (405) all become the dispatcher's problem body: type, title, status, detail, code,
  requestId and, for a 400, `errors` naming each violation;
- a trailing slash is ignored, OPTIONS answers 204 with Allow, and CORS_ALLOW_ORIGINS gives the
  dispatcher's CORS headers, preflights included, as API Gateway's events reach the dispatcher
  (`GatewayPaths`).

Limitation: the spec's security requirements are removed before Connexion reads it. On AWS, API
Gateway checks the JWT before the function runs and the function trusts it; this host does the same,
so it must sit behind something that authenticates callers (a gateway, a load balancer, a proxy).

Limitation: Connexion words its violation messages with jsonschema's text and the dispatcher with
fastjsonschema's, so `errors[].message` differs while `in` and `name` agree. Connexion sets no
body size limit (the dispatcher answers 413 past MAX_BODY_BYTES) and treats a body sent without
content-length (chunked) as missing.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import signal
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, ValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

with warnings.catch_warnings():
    # Connexion 3.3 still imports parts of jsonschema that warn, on import, that they are deprecated.
    warnings.filterwarnings("ignore", r"jsonschema\.\S+ is deprecated", DeprecationWarning)
    import connexion
    from connexion import AsyncApp
    from connexion.datastructures import MediaTypeDict
    from connexion.lifecycle import ConnexionRequest, ConnexionResponse
    from connexion.middleware import MiddlewarePosition
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolution, Resolver
    from connexion.validators import JSONRequestBodyValidator, ParameterValidator

from dispatch import Cors, HttpProblem, Violation, jsonio
from dispatch.app import PROBLEM_JSON
from dispatch.params import snake_case
from dispatch.problems import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    UnsupportedMediaType,
    invalid,
)
from dispatch.routing import Router, allowed_methods, operation_router, options_allow, without_trailing_slash
from dispatch.schema import member_name
from dispatch.spec import HTTP_METHODS, Document, pointer

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".local" / "dynamodb"  # shared with `make dev`
SPEC_PATH = ROOT / "openapi.yaml"
HOST = "127.0.0.1"
DEFAULT_PORT = 3001

log = logging.getLogger("hosts.connexion")


# --- The operation functions, called as the dispatcher calls them --------------------------------


class OperationResolver(Resolver):
    """operationId `getUser` -> `operations.get_user`, wrapped so headers and content types fit.

    A missing function raises Connexion's ResolverError while the app is built, not on a request.
    """

    def __init__(self, operations: object, document: Document) -> None:
        super().__init__(function_resolver=self._function)
        self._operations = operations
        self._document = document

    def _function(self, operation_id: str) -> Callable[..., Any]:
        for name in (snake_case(operation_id), operation_id):
            function = getattr(self._operations, name, None)
            if callable(function):
                return function
        owner = getattr(self._operations, "__name__", type(self._operations).__name__)
        raise AttributeError(f"no function {snake_case(operation_id)!r} in {owner} for {operation_id!r}")

    def resolve(self, operation: Any) -> Resolution:
        resolution = super().resolve(operation)
        # Read from the document: Connexion resolves before it has merged the path's parameters.
        resolve = self._document.resolve
        where = pointer("paths", operation.path, operation.method.lower())
        item = self._document.raw["paths"][operation.path]
        own = item[operation.method.lower()]
        declared = [resolve(p, where) for p in [*item.get("parameters", []), *own.get("parameters", [])]]
        headers = list(dict.fromkeys(p["name"] for p in declared if p.get("in") == "header"))
        responses = {str(code): resolve(r, where) for code, r in own["responses"].items()}
        media = {
            int(code): next(iter(r["content"]))
            for code, r in responses.items()
            if code.isdigit() and r.get("content")
        }
        success = sorted(int(code) for code in responses if code.isdigit() and code.startswith("2"))
        default_status = success[0] if len(success) == 1 else 200
        function = _as_dispatched(resolution.function, headers, media, default_status)
        return Resolution(function, resolution.operation_id)


def _as_dispatched(
    function: Callable[..., Any], header_names: list[str], media: dict[int, str], default_status: int
) -> Callable[..., Any]:
    @functools.wraps(function)  # Connexion reads the wrapped function's signature through this
    def call(**kwargs: Any) -> Any:
        request_headers = connexion.request.headers
        for name in header_names:
            value = request_headers.get(name)
            if value is not None:
                kwargs[snake_case(name)] = value
        return _respond(function(**kwargs), media, default_status)

    return call


def _respond(result: Any, media: dict[int, str], default_status: int) -> ConnexionResponse:
    """A function's body, (body, status) or (body, status, headers) as a response, as the dispatcher
    renders it: JSON in the media type the spec declares for that status, and no body for None."""
    body, status, headers = result, default_status, {}
    if isinstance(result, tuple):
        body, status, headers = (*result, {})[:3] if len(result) == 2 else result
    headers = dict(headers or {})
    if body is None:
        return ConnexionResponse(status_code=status, headers=headers)
    content_type = headers.pop("Content-Type", None) or media.get(status, "application/json")
    return ConnexionResponse(
        status_code=status,
        content_type=content_type,
        mimetype=content_type,
        body=jsonio.dumps(body),
        headers=headers,
    )


# --- Connexion's validation, reported as the dispatcher reports it --------------------------------


class ViolationParameterValidator(ParameterValidator):
    """Connexion's parameter checks, with every violation named instead of the first one told."""

    def validate_request(self, request: ConnexionRequest) -> None:
        readers = {
            "query": lambda name: request.query_params.get(name),
            "path": lambda name: request.path_params.get(name.replace("-", "_")),
            "header": lambda name: request.headers.get(name),
            "cookie": lambda name: request.cookies.get(name),
        }
        violations: list[Violation] = []
        for location, read in readers.items():
            for param in self.parameters.get(location, []):
                violations += _parameter_violations(location, param, read(param["name"]))
        if violations:
            raise invalid(*violations)


def _parameter_violations(location: Any, param: Mapping[str, Any], value: Any) -> list[Violation]:
    name = param["name"]
    if value is None:
        return [Violation(location, name, "is required")] if param.get("required") else []
    checker = Draft4Validator(param.get("schema", {}), format_checker=Draft4Validator.FORMAT_CHECKER)
    return [Violation(location, name, error.message) for error in _ordered(checker.iter_errors(value))]


class ViolationJSONBodyValidator(JSONRequestBodyValidator):
    """Connexion's JSON body checks (jsonschema, draft 4), naming each member that is wrong."""

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        if self._required and not int(headers.get(b"content-length", b"0") or 0):
            raise invalid(Violation("body", "body", "is required"))
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: Any, scope: Any) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            # The dispatcher's parser: it refuses NaN and Infinity, and reads numbers as Decimal.
            return jsonio.loads(raw.decode(self._encoding))
        except UnicodeDecodeError:
            raise invalid(Violation("body", "body", "is not UTF-8 text")) from None
        except jsonio.JsonError as error:
            raise invalid(Violation("body", "body", f"is not valid JSON: {error}")) from None

    def _validate(self, body: Any) -> None:
        if body is None and not self._nullable:
            raise invalid(Violation("body", "body", "is required"))
        # jsonschema reports `required` once per missing member, and each of those reports sees
        # every missing member: the same violation comes more than once, and is listed once.
        violations = list(
            dict.fromkeys(
                v for error in _ordered(self._validator.iter_errors(body)) for v in _body_violations(error)
            )
        )
        if violations:
            raise invalid(*violations)


def _ordered(errors: Iterator[ValidationError]) -> list[ValidationError]:
    return sorted(errors, key=lambda e: [str(part) for part in e.absolute_path])


def _body_violations(error: ValidationError) -> list[Violation]:
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [Violation("body", member_name("body", [*path, name]), "is required") for name in missing]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = error.schema.get("properties", {})
        extra = [name for name in error.instance if name not in known]
        return [
            Violation("body", member_name("body", [*path, name]), "is not a known member") for name in extra
        ]
    return [Violation("body", member_name("body", path), error.message)]


# --- One problem shape for every error ------------------------------------------------------------


class GatewayPaths:
    """What the dispatcher does around choosing an operation, done outside Connexion's routing:
    `/users/` is `/users`; OPTIONS on a path without an OPTIONS operation answers 204 with the
    path's methods in Allow (Connexion would redirect the one and answer 405 to the other); and
    with `cors`, every answer, errors included, carries the dispatcher's CORS headers."""

    def __init__(self, app: ASGIApp, routes: Router, cors: Cors | None) -> None:
        self._app = app
        self._routes = routes
        self._cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path = without_trailing_slash(scope["path"])
        if path != scope["path"]:
            scope = {**scope, "path": path}
            if scope.get("raw_path"):
                scope["raw_path"] = scope["raw_path"].rstrip(b"/") or b"/"
        request_headers = Headers(scope=scope)
        origin = request_headers.get("origin", "")
        if self._cors is not None:
            send = _adding_headers(send, self._cors.headers(origin))
        found = self._routes.match(path, decode=False) if scope["method"] == "OPTIONS" else None
        if found is not None and "OPTIONS" not in found[0].methods:
            headers = {"allow": options_allow(found[0])}
            if self._cors is not None:
                wanted = request_headers.get("access-control-request-method", "").upper()
                headers.update(self._cors.preflight(origin, wanted, allowed_methods(found[0])))
            raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
            await send({"type": "http.response.start", "status": 204, "headers": raw})
            await send({"type": "http.response.body", "body": b""})
            return
        await self._app(scope, receive, send)


def _adding_headers(send: Send, added: Mapping[str, str]) -> Send:
    """`send`, with `added` in the response's headers where the response did not set them."""

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            extra = [(k.lower().encode(), v.encode()) for k, v in added.items()]
            headers += [(name, value) for name, value in extra if name not in present]
            message = {**message, "headers": headers}
        await send(message)

    return sending


def _translate(
    error: HTTPException, request: ConnexionRequest, document: Document, routes: Router
) -> HttpProblem:
    """The dispatcher's problem for an HTTP error Connexion or Starlette raised."""
    status = error.status_code
    if status == 404:
        return NotFound("No operation is defined for this path.")
    found = routes.match(request.url.path, decode=False) if status in (405, 415) else None
    if status == 405:
        allowed = ", ".join(allowed_methods(found[0])) if found else ""
        return MethodNotAllowed(f"This path supports {allowed}.", headers={"Allow": allowed})
    if status == 415:
        operation = found[0].methods.get(request.method.upper(), {}) if found else {}
        body = document.resolve(operation.get("requestBody", {}), "requestBody")
        accepted = ", ".join(body.get("content", {}))
        return UnsupportedMediaType(f"The request body must be sent as one of: {accepted}.")
    if status == 400:
        return BadRequest(str(error.detail))
    log.warning("Connexion answered %d: %s", status, error.detail)
    return InternalError("The server could not answer this request.")


def problem_response(problem: HttpProblem) -> ConnexionResponse:
    body = problem.body(str(uuid.uuid4()))
    return ConnexionResponse(
        status_code=problem.status,
        mimetype=PROBLEM_JSON,
        content_type=PROBLEM_JSON,
        body=jsonio.dumps(body),
        headers=dict(problem.headers),
    )


def _on_problem(request: ConnexionRequest, problem: HttpProblem) -> ConnexionResponse:
    if problem.status >= 500:
        log.warning("%s: %s", problem.code, problem.detail)
    return problem_response(problem)


def _on_unexpected(request: ConnexionRequest, error: Exception) -> ConnexionResponse:
    log.error("unhandled error", exc_info=error)
    return problem_response(InternalError("The server could not answer this request."))


# --- The app --------------------------------------------------------------------------------------


def create_app(operations: object = None, spec_path: Path = SPEC_PATH, cors: Cors | None = None) -> AsyncApp:
    """The ASGI app serving `spec_path` with `operations` (users.operations when not given).

    `cors` says which browser origins may call it; when not given, CORS_ALLOW_ORIGINS does, as for
    the Lambda.
    """
    if cors is None:
        cors = Cors.from_setting(os.environ.get("CORS_ALLOW_ORIGINS", ""))
    if operations is None:
        from users import operations as users_operations  # noqa: PLC0415 - its store reads the environment

        operations = users_operations
    # It warns on every request to an operation that accepts two media types, as updateUser does.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    spec = _without_security(yaml.safe_load(spec_path.read_text(encoding="utf-8")))
    document = Document(spec)
    routes = operation_router(document)
    app = AsyncApp(
        __name__,
        pythonic_params=True,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
    )
    resolver = OperationResolver(operations, document)
    # Connexion resolves operations when the app starts serving; fail here instead, as the Lambda
    # fails at init, so a missing function is found before any server is up.
    for _template, _method, operation, _shared, _where in document.operations():
        resolver.resolve_function_from_operation_id(operation.get("operationId", ""))
    app.add_api(
        spec,
        resolver=resolver,
        validator_map={
            "parameter": ViolationParameterValidator,
            "body": MediaTypeDict({"*/*json": ViolationJSONBodyValidator}),
        },
    )
    # Outside Connexion's exception handling, so its error answers get CORS headers too.
    app.add_middleware(GatewayPaths, position=MiddlewarePosition.BEFORE_EXCEPTION, routes=routes, cors=cors)
    app.add_error_handler(HttpProblem, _on_problem)
    app.add_error_handler(
        HTTPException,
        lambda request, error: _on_problem(request, _translate(error, request, document, routes)),
    )
    # Connexion registers its own handler for its ProblemException subclass of HTTPException.
    app.add_error_handler(
        connexion.ProblemException,
        lambda request, error: _on_problem(request, _translate(error, request, document, routes)),
    )
    app.add_error_handler(Exception, _on_unexpected)
    return app


def _without_security(spec: dict[str, Any]) -> dict[str, Any]:
    """The document with its security requirements dropped: who the caller is, is the gateway's
    business, as for the Lambda (API Gateway checks the JWT before the function runs)."""
    spec = copy.deepcopy(spec)
    spec.pop("security", None)
    for item in (spec.get("paths") or {}).values():
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                item[method].pop("security", None)
    return spec


def main() -> int:
    """Serve on 127.0.0.1:$PORT (3001), on DynamoDB Local unless AWS_ENDPOINT_URL_DYNAMODB is set."""
    import uvicorn  # noqa: PLC0415 - only the command needs the server

    from local.dynamodb_local import DEFAULT_PORT as DYNAMODB_PORT  # noqa: PLC0415 - local tooling
    from local.dynamodb_local import DynamoDBLocal, port_in_use  # noqa: PLC0415
    from local.server import configure_environment  # noqa: PLC0415
    from local.tables import create_table  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    port = int(os.environ.get("PORT", DEFAULT_PORT))
    # uvicorn re-raises the SIGTERM it caught once it has shut down; as SystemExit, it still lets
    # DynamoDB Local be stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with ExitStack() as stack:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
        if not endpoint:
            dynamodb_port = int(os.environ.get("DYNAMODB_LOCAL_PORT", DYNAMODB_PORT))
            if port_in_use(dynamodb_port):
                # Most likely `make dev`'s DynamoDB Local: share it, and its data.
                endpoint = f"http://{HOST}:{dynamodb_port}"
            else:
                DATA_DIR.mkdir(parents=True, exist_ok=True)
                endpoint = stack.enter_context(DynamoDBLocal(dynamodb_port, DATA_DIR)).endpoint
            configure_environment(endpoint)  # what `make dev` sets, so both hosts share a table
            import boto3  # noqa: PLC0415

            create_table(boto3.client("dynamodb"), os.environ["TABLE_NAME"])
        log.info("DynamoDB: %s, table %r", endpoint, os.environ.get("TABLE_NAME"))
        log.info("Users API on Connexion: http://%s:%d", HOST, port)
        uvicorn.run(create_app(), host=HOST, port=port, log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
