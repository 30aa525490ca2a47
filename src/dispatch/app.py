"""The Lambda entry point for any OpenAPI 3.0 document: route, check, call, answer.

`Api(spec, operations)` does all the expensive work at init: every operationId is resolved to a
function whose signature fits the operation's parameters, and every schema is compiled. A request
then costs a route lookup, the parameter and body checks, the call and one JSON encoding.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from dispatch import jsonio
from dispatch._typing import TYPE_CHECKING
from dispatch.events import BadEvent, parse_event, render
from dispatch.params import compile_parameters, snake_case
from dispatch.problems import (
    BadRequest,
    HttpProblem,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    Violation,
    invalid,
)
from dispatch.routing import Router, allowed_methods, options_allow, parse_template
from dispatch.spec import Document, SpecError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from dispatch.events import Request
    from dispatch.metrics import EmbeddedMetrics
    from dispatch.params import Parameter
    from dispatch.routing import Route
    from dispatch.schema import SchemaCheck, Validate

    Headers = Mapping[str, str | list[str]]

log = logging.getLogger("dispatch")

PROBLEM_JSON = "application/problem+json"
_VAR_KEYWORDS = 0x08  # CO_VARKEYWORDS: the function takes **kwargs
# Arguments about the caller rather than the request: the claims API Gateway's authorizer
# verified (`token_info`) and their subject (`user`); None and {} when the API has no authorizer.
CALLER_ARGUMENTS = ("token_info", "user")
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class Cors:
    """Which browser origins may call the API. `*` allows any origin (without credentials)."""

    def __init__(
        self,
        allow_origins: frozenset[str],
        allow_headers: tuple[str, ...] = ("content-type", "if-match", "authorization", "idempotency-key"),
        expose_headers: tuple[str, ...] = ("etag", "location", "retry-after"),
        max_age: int = 600,
    ) -> None:
        self.allow_origins = allow_origins
        self.allow_headers = allow_headers
        self.expose_headers = expose_headers
        self.max_age = max_age

    @classmethod
    def from_setting(cls, setting: str) -> Cors | None:
        """From a comma-separated list of origins, as CORS_ALLOW_ORIGINS holds it; None when empty."""
        origins = frozenset(o.strip() for o in setting.split(",") if o.strip())
        return cls(origins) if origins else None

    def allows(self, origin: str) -> bool:
        return "*" in self.allow_origins or origin in self.allow_origins

    def headers(self, origin: str) -> dict[str, str]:
        """What every answer carries. Vary, allowed origin or not, so a shared cache keeps them apart."""
        if not origin or not self.allows(origin):
            return {"Vary": "Origin"}
        return {
            "Access-Control-Allow-Origin": "*" if "*" in self.allow_origins else origin,
            "Access-Control-Expose-Headers": ", ".join(self.expose_headers),
            "Vary": "Origin",
        }

    def preflight(self, origin: str, method: str, allowed: Sequence[str]) -> dict[str, str]:
        """What a preflight asking to send `method` gets besides `headers`: nothing unless allowed."""
        if not origin or not self.allows(origin) or method not in allowed:
            return {}
        return {
            "Access-Control-Allow-Methods": ", ".join(allowed),
            "Access-Control-Allow-Headers": ", ".join(self.allow_headers),
            "Access-Control-Max-Age": str(self.max_age),
        }


class RequestBody:
    __slots__ = ("media", "required")

    def __init__(self, required: bool, media: dict[str, SchemaCheck]) -> None:
        self.required = required
        self.media = media  # by media type without parameters, lower-case


class Operation:
    __slots__ = (
        "body", "declared", "function", "operation_id", "parameters", "response_media", "success_status",
        "wants_claims",
    )  # fmt: skip

    def __init__(
        self,
        *,
        operation_id: str,
        function: Callable[..., Any],
        parameters: list[Parameter],
        body: RequestBody | None,
        success_status: int,
        response_media: dict[int, str],
        declared: frozenset[int] | None,
    ) -> None:
        self.operation_id = operation_id
        self.function = function
        self.parameters = parameters
        self.body = body
        self.success_status = success_status
        self.response_media = response_media
        self.declared = declared  # the statuses the spec documents; None when it has `default`
        # Connexion's names for the caller's verified claims and subject, for functions that ask
        # (unless the spec has a parameter of that name: then the parameter wins).
        code = function.__code__
        named = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        named -= {p.argument for p in parameters}
        self.wants_claims = tuple(name for name in CALLER_ARGUMENTS if name in named)

    def arguments(self, request: Request, path_values: Mapping[str, str], max_body: int) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        violations: list[Violation] = []
        for param in self.parameters:
            value, found = param.read(_raw_value(param, request, path_values))
            violations += found
            if value is not None:
                arguments[param.argument] = value
        if self.body is not None:
            body, found = self._read_body(request, max_body)
            violations += found
            if body is not None:
                arguments["body"] = body
        if violations:
            raise invalid(*violations)
        if self.wants_claims:
            claims = dict(request.claims or {})
            if "token_info" in self.wants_claims:
                arguments["token_info"] = claims
            if "user" in self.wants_claims:
                arguments["user"] = claims.get("sub")
        return arguments

    def _read_body(self, request: Request, max_body: int) -> tuple[Any, list[Violation]]:
        assert self.body is not None
        raw = request.body
        if not raw:
            if self.body.required:
                return None, [Violation("body", "body", "is required")]
            return None, []
        if len(raw) > max_body:
            raise PayloadTooLarge(f"The request body is larger than {max_body} bytes.")
        content_type = request.headers.get("content-type", "")
        media_type = content_type.partition(";")[0].strip().lower()
        check = self.body.media.get(media_type)
        if check is None:
            accepted = ", ".join(self.body.media)
            raise UnsupportedMediaType(f"The request body must be sent as one of: {accepted}.")
        try:
            value = jsonio.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return None, [Violation("body", "body", "is not UTF-8 text")]
        except jsonio.JsonError as error:
            return None, [Violation("body", "body", f"is not valid JSON: {error}")]
        return check(value)

    def respond(self, result: Any) -> tuple[int, dict[str, str | list[str]], str | None]:
        headers: dict[str, str | list[str]] = {}
        # Only a tuple is (body, status[, headers]): a list of two or three items is a JSON body.
        if type(result) is not tuple:
            body, status = result, self.success_status
        elif len(result) == 2:
            body, status = result
        elif len(result) == 3:
            body, status, extra = result
            headers.update(extra or {})
        else:
            size = len(result)
            raise TypeError(f"{self.operation_id} returned a {size}-tuple, not (body, status[, headers])")
        if self.declared is not None and status not in self.declared:
            # Our own contract violation, not the client's: answered as the function said, but flagged.
            log.warning("%s answered %d, a status its operation does not declare", self.operation_id, status)
        if body is None:
            return status, headers, None
        headers.setdefault("Content-Type", self.response_media.get(status, "application/json"))
        return status, headers, jsonio.dumps(body)


class Api:
    """A Lambda handler for one OpenAPI document and the functions that implement it."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        operations: object,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        cors: Cors | None = None,
        validators: Mapping[str, Validate] | None = None,
        metrics: EmbeddedMetrics | None = None,
    ) -> None:
        """`validators` are generated for this spec at build time (local/codegen.py); see dispatch.schema."""
        self._max_body = max_body_bytes
        self._cors = cors
        self._metrics = metrics
        self._router = Router()
        self._cold = True
        document = Document(spec, validators)
        seen: dict[str, str] = {}
        for template, method, operation, shared, where in document.operations():
            compiled = _compile_operation(document, operations, operation, shared, template, where)
            if compiled.operation_id in seen:
                raise SpecError(
                    where,
                    f"operationId {compiled.operation_id!r} is also used at {seen[compiled.operation_id]}",
                )
            seen[compiled.operation_id] = where
            self._router.add(template, method, compiled, where)
        self.schemas = [check.schema for check in document.checks]

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        started = time.perf_counter()
        cold, self._cold = self._cold, False
        version, request_id, operation_id, origin, method = "2.0", "", None, "", ""
        try:
            request = parse_event(event, self._max_body)
            version, method = request.version, request.method
            if self._cors is not None:
                origin = request.headers.get("origin", "")
            request_id = request.request_id or _request_id(context)
            route, path_values = self._route(request)
            if request.method == "OPTIONS" and "OPTIONS" not in route.methods:
                status, headers, body = self._options(request, route)
            else:
                operation = self._operation(request, route)
                operation_id = operation.operation_id
                arguments = operation.arguments(request, path_values, self._max_body)
                status, headers, body = operation.respond(operation.function(**arguments))
                if headers:
                    _below_base_path(headers, request)
        except HttpProblem as problem:
            if problem.status >= 500:
                # Not the client's fault (storage throttled or unreachable): say what happened.
                cause = repr(problem.__cause__) if problem.__cause__ else problem.detail
                log.warning(
                    "%s: %s",
                    problem.code,
                    cause,
                    extra={"requestId": request_id, "operationId": operation_id},
                )
            status, headers, body = self._problem(problem, request_id)
        except BadEvent as error:
            request_id = request_id or _request_id(context)
            unreadable = BadRequest(f"The event is not an API Gateway request: {error}.")
            status, headers, body = self._problem(unreadable, request_id)
        except Exception:
            log.exception("unhandled error", extra={"requestId": request_id, "operationId": operation_id})
            crashed = InternalError("The server could not answer this request.")
            status, headers, body = self._problem(crashed, request_id)
        if method == "HEAD":
            body = None  # the headers a GET would have, errors included, and no body
        if self._cors is not None:
            headers = {**self._cors.headers(origin), **headers}
        logged = log.isEnabledFor(logging.INFO)
        if self._metrics is not None or logged:
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
            if self._metrics is not None:
                self._metrics.record(operation_id, status, duration_ms, request_id)
            if logged:
                log.info(
                    "%s %s -> %d in %.1f ms",
                    operation_id or "-",
                    request_id,
                    status,
                    duration_ms,
                    extra={
                        "requestId": request_id,
                        "operationId": operation_id,
                        "status": status,
                        "durationMs": duration_ms,
                        "coldStart": cold,
                    },
                )
        return render(version, status, headers, body)

    def _route(self, request: Request) -> tuple[Route, Mapping[str, str]]:
        if request.route_key is not None:
            # API Gateway matched a route of the spec already; its path parameters are decoded.
            template = request.route_key.partition(" ")[2]
            route = self._router.by_template(template)
            values = request.path_parameters or {}
            if request.path_encoded:
                from urllib.parse import unquote  # noqa: PLC0415 - REST APIs only, not at cold start

                values = {name: unquote(value) for name, value in values.items()}
            if route is not None and (not route.names or all(name in values for name in route.names)):
                return route, values
        found = self._router.match(request.path, decode=request.path_encoded)
        if found is None:
            raise NotFound("No operation is defined for this path.")
        return found

    def _operation(self, request: Request, route: Route) -> Operation:
        operation: Operation | None = route.methods.get(request.method)
        if operation is None and request.method == "HEAD":
            operation = route.methods.get("GET")
        if operation is None:
            allowed = ", ".join(allowed_methods(route))
            raise MethodNotAllowed(f"This path supports {allowed}.", headers={"Allow": allowed})
        return operation

    def _options(self, request: Request, route: Route) -> tuple[int, Headers, None]:
        headers: dict[str, str | list[str]] = {"Allow": options_allow(route)}
        if self._cors is not None:
            origin = request.headers.get("origin", "")
            wanted = request.headers.get("access-control-request-method", "").upper()
            headers.update(self._cors.preflight(origin, wanted, allowed_methods(route)))
        return 204, headers, None

    @staticmethod
    def _problem(problem: HttpProblem, request_id: str) -> tuple[int, Headers, str]:
        headers: dict[str, str | list[str]] = {**problem.headers, "Content-Type": PROBLEM_JSON}
        return problem.status, headers, problem.json(request_id)


def _request_id(context: Any) -> str:
    """Lambda's id for the invocation, when API Gateway gave none; a fresh one outside Lambda."""
    found = getattr(context, "aws_request_id", "")
    if isinstance(found, str) and found:
        return found
    import uuid  # noqa: PLC0415 - only events without a request id, never from API Gateway

    return str(uuid.uuid4())


def _below_base_path(headers: dict[str, str | list[str]], request: Request) -> None:
    """A Location the function gave as a path from the API's root, made a path from the host's.

    A function cannot know the stage it is served on; the client's URL has it in front of the paths
    the spec names, so `/users/1` on stage `prod` is `/prod/users/1`.
    """
    for name, value in headers.items():
        if name.lower() == "location" and isinstance(value, str) and value[:1] == "/" and value[1:2] != "/":
            headers[name] = request.base_path + value


def _raw_value(param: Parameter, request: Request, path_values: Mapping[str, str]) -> list[str] | None:
    location = param.location
    if location == "query":
        return request.query.get(param.name)
    if location == "path":
        value = path_values.get(param.name)
    elif location == "header":
        value = request.headers.get(param.name.lower())
    else:
        value = request.cookies.get(param.name)
    return None if value is None else [value]


def _compile_operation(
    document: Document,
    operations: object,
    operation: Mapping[str, Any],
    shared: list[Any],
    template: str,
    where: str,
) -> Operation:
    operation_id = operation.get("operationId")
    if not isinstance(operation_id, str) or not operation_id:
        raise SpecError(where, "every operation needs an operationId")
    function = _resolve(operations, operation_id, where)
    parameters = compile_parameters(document, shared, operation.get("parameters", []), where)
    path_names = {p.name for p in parameters if p.location == "path"}
    in_template = set(parse_template(template, where).names)
    if path_names != in_template:
        raise SpecError(where, f"path parameters {sorted(path_names)} do not match the template {template}")
    body = _compile_body(document, operation.get("requestBody"), f"{where}/requestBody")
    _check_signature(function, parameters, body, operation_id, where)
    responses = document.resolve(operation.get("responses"), f"{where}/responses")
    if not isinstance(responses, Mapping) or not responses:
        raise SpecError(f"{where}/responses", "an operation needs at least one response")
    success = sorted(int(code) for code in responses if str(code).isdigit() and str(code).startswith("2"))
    media: dict[int, str] = {}
    declared: set[int] | None = set()
    for code, response in responses.items():
        content = document.resolve(response, f"{where}/responses/{code}").get("content") or {}
        text = str(code).upper()
        if text.isdigit():
            media[int(text)] = next(iter(content)) if content else media.get(int(text), "")
            if declared is not None:
                declared.add(int(text))
        elif len(text) == 3 and text[0] in "12345" and text[1:] == "XX" and declared is not None:
            declared.update(range(int(text[0]) * 100, int(text[0]) * 100 + 100))
        else:
            declared = None  # `default` covers every status
    return Operation(
        operation_id=operation_id,
        function=function,
        parameters=parameters,
        body=body,
        success_status=success[0] if len(success) == 1 else 200,
        response_media={status: kind for status, kind in media.items() if kind},
        declared=None if declared is None else frozenset(declared),
    )


def _resolve(operations: object, operation_id: str, where: str) -> Callable[..., Any]:
    for name in (snake_case(operation_id), operation_id):
        function = (
            operations.get(name) if isinstance(operations, Mapping) else getattr(operations, name, None)
        )
        if callable(function):
            resolved: Callable[..., Any] = function
            return resolved
    owner = getattr(operations, "__name__", type(operations).__name__)
    raise SpecError(
        f"{where}/operationId",
        f"no function {snake_case(operation_id)!r} in {owner} implements operation {operation_id!r}",
    )


def _compile_body(document: Document, request_body: Any, where: str) -> RequestBody | None:
    if request_body is None:
        return None
    request_body = document.resolve(request_body, where)
    content = request_body.get("content")
    if not isinstance(content, Mapping) or not content:
        raise SpecError(where, "a request body needs content")
    media: dict[str, SchemaCheck] = {}
    for media_type, item in content.items():
        lowered = media_type.lower()
        if lowered != "application/json" and not lowered.endswith("+json"):
            raise SpecError(f"{where}/content/{media_type}", "only JSON request bodies are supported")
        schema_where = f"{where}/content/{media_type}/schema"
        media[lowered] = document.check(item.get("schema", {}), schema_where, "body", "body")
    return RequestBody(required=request_body.get("required") is True, media=media)


def _check_signature(
    function: Callable[..., Any],
    parameters: list[Parameter],
    body: RequestBody | None,
    operation_id: str,
    where: str,
) -> None:
    """The function accepts every argument the operation can pass, and needs none it may not."""
    # The code object says what inspect.signature would, without importing inspect at cold start.
    code = getattr(function, "__code__", None)
    if code is None or code.co_posonlyargcount:
        raise SpecError(
            where, f"{function!r} for {operation_id!r} must be a function taking keyword arguments"
        )
    positional = code.co_varnames[: code.co_argcount]
    keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    accepted = (*positional, *keyword_only)
    takes_any = bool(code.co_flags & _VAR_KEYWORDS)
    given = {p.argument for p in parameters} | ({"body"} if body is not None else set())
    missing = sorted(name for name in given if name not in accepted and not takes_any)
    if missing:
        raise SpecError(
            where, f"{function.__qualname__} for {operation_id!r} takes no argument {', '.join(missing)}"
        )
    always = {p.argument for p in parameters if p.required or p.default is not None}
    always |= set(CALLER_ARGUMENTS)
    if body is not None and body.required:
        always.add("body")
    defaults = function.__defaults__ or ()
    kw_defaults = function.__kwdefaults__ or {}
    needed = [
        *positional[: len(positional) - len(defaults)],
        *(n for n in keyword_only if n not in kw_defaults),
    ]
    for name in needed:
        if name not in always:
            raise SpecError(
                where, f"{function.__qualname__} needs {name!r}, which {operation_id!r} may not provide"
            )
