"""API Gateway proxy events in, Lambda proxy responses out.

Both payload formats are recognised by their structure, not by a `version` field that emulators
leave out: payload 2.0 (HTTP APIs) has `requestContext.http`, payload 1.0 (REST APIs, and HTTP APIs
set to 1.0) has `httpMethod`. Whatever the format, the request becomes one `Request`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dispatch._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn")  # .cn: the China regions


class BadEvent(Exception):
    """The event is not an API Gateway proxy request this function can read."""


class Request:
    """One HTTP request, whatever the event format it came in."""

    __slots__ = (
        "_context", "_headers", "_raw_headers", "body", "claims", "cookies", "method", "path",
        "path_encoded", "path_parameters", "query", "request_id", "route_key", "version",
    )  # fmt: skip

    def __init__(
        self,
        *,
        version: str,
        method: str,
        path: str,
        context: Mapping[str, Any] | None = None,
        query: dict[str, list[str]],
        headers: Mapping[str, str] | None = None,
        raw_headers: Any = None,
        cookies: dict[str, str],
        request_id: str,
        route_key: str | None,
        path_parameters: dict[str, str] | None,
        path_encoded: bool,
        claims: Mapping[str, Any] | None = None,
    ) -> None:
        self.version = version  # "2.0" or "1.0": the format to answer in
        self.method = method
        self.path = path  # without the stage prefix
        self._context = context  # the event's requestContext
        self.query = query
        self._headers = headers
        self._raw_headers = raw_headers
        self.cookies = cookies
        self.request_id = request_id
        self.route_key = route_key  # "GET /users/{userId}" when API Gateway matched a route of the spec
        self.path_parameters = path_parameters
        # HTTP APIs hand over the path and its parameters decoded; REST APIs leave them encoded.
        self.path_encoded = path_encoded
        # What API Gateway's authorizer verified about the caller (a JWT's claims), if anything.
        self.claims = claims
        self.body: bytes | None = None

    @property
    def headers(self) -> Mapping[str, str]:
        """Names lower-cased. Read from the event when first asked for: many requests never ask."""
        if self._headers is None:
            self._headers = _lower_case_names(self._raw_headers)
        return self._headers

    @property
    def base_path(self) -> str:
        """What the client's URL has in front of `path`: "/prod" on a named stage called on API
        Gateway's own host, "" on $default or a custom domain. Worked out only when asked for."""
        return _stage_in_url(self._context) if self._context is not None else ""


def parse_event(event: Any, max_body_bytes: int) -> Request:
    if type(event) is not dict and not isinstance(event, Mapping):
        raise BadEvent("the event is not a JSON object")
    context = _mapping(event.get("requestContext"), "requestContext")
    http = context.get("http")
    if (type(http) is dict or isinstance(http, Mapping)) and "method" in http:
        request = _from_v2(event, context, http)
    elif "httpMethod" in event:
        request = _from_v1(event, context)
    else:
        raise BadEvent("the event has neither requestContext.http nor httpMethod")
    request.body = _body(event, max_body_bytes)
    return request


def _from_v2(event: Mapping[str, Any], context: Mapping[str, Any], http: Mapping[str, Any]) -> Request:
    raw_query = event.get("rawQueryString")
    if isinstance(raw_query, str):
        query = _parse_query(raw_query)
    else:
        # API Gateway always sends rawQueryString; without it, folded values are all there is.
        query = {
            k: [v] for k, v in _strings(event.get("queryStringParameters"), "queryStringParameters").items()
        }
    cookie_list = event.get("cookies") or ()
    if cookie_list and (
        not isinstance(cookie_list, list) or not all(isinstance(c, str) for c in cookie_list)
    ):
        raise BadEvent("cookies is not a list of strings")
    raw_path = event.get("rawPath", http.get("path"))
    route_key = event.get("routeKey")
    path_parameters = event.get("pathParameters")
    return Request(
        version="2.0",
        method=_string(http.get("method"), "requestContext.http.method").upper(),
        path=_strip_stage(_string(raw_path, "rawPath"), context.get("stage")),
        context=context,
        query=query,
        raw_headers=event.get("headers"),
        cookies=_parse_cookies("; ".join(cookie_list)) if cookie_list else {},
        request_id=_request_id(context),
        route_key=route_key if isinstance(route_key, str) and route_key != "$default" else None,
        path_parameters=_strings(path_parameters, "pathParameters") if path_parameters else None,
        path_encoded=False,
        claims=_claims(context, "jwt", "claims") if "authorizer" in context else None,
    )


def _from_v1(event: Mapping[str, Any], context: Mapping[str, Any]) -> Request:
    headers = _strings(event.get("headers"), "headers", lower=True)
    for name, values in _lists(event.get("multiValueHeaders"), "multiValueHeaders").items():
        if values:
            name = name.lower()
            headers[name] = ("; " if name == "cookie" else ", ").join(values)
    query = _lists(event.get("multiValueQueryStringParameters"), "multiValueQueryStringParameters")
    if not query:
        single = _strings(event.get("queryStringParameters"), "queryStringParameters")
        query = {k: [v] for k, v in single.items()}
    resource = event.get("resource")
    method = _string(event.get("httpMethod"), "httpMethod").upper()
    path = _string(event.get("path"), "path")
    # An HTTP API's payload 1.0 says "version": "1.0" and keeps the stage in the path, as payload
    # 2.0 does; a REST API's event has no version, and its path is below the stage already.
    from_http_api = event.get("version") == "1.0"
    return Request(
        version="1.0",
        method=method,
        path=_strip_stage(path, context.get("stage")) if from_http_api else path,
        context=context,
        query=query,
        headers=headers,
        cookies=_parse_cookies(headers.get("cookie", "")),
        request_id=_request_id(context),
        route_key=f"{method} {resource}"
        if isinstance(resource, str) and "{proxy+}" not in resource
        else None,
        path_parameters=_strings(event.get("pathParameters"), "pathParameters") or None,
        path_encoded=not from_http_api,
        claims=_claims(context, "claims") or _claims(context, "jwt", "claims"),
    )


def _claims(context: Mapping[str, Any], *path: str) -> Mapping[str, Any] | None:
    """`requestContext.authorizer.<path>`: payload 2.0 has jwt.claims, a REST API's has claims."""
    found: Any = context.get("authorizer")
    for key in path:
        if not isinstance(found, Mapping):
            return None
        found = found.get(key)
    return found if isinstance(found, Mapping) else None


def _body(event: Mapping[str, Any], max_body_bytes: int) -> bytes | None:
    body = event.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise BadEvent("body is not a string")
    if event.get("isBase64Encoded") is True:
        if len(body) > (max_body_bytes + 2) // 3 * 4 + 4:
            return body.encode()  # too large either way; the size check reports it
        import base64  # noqa: PLC0415 - deferred, like the other imports only some requests need
        import binascii  # noqa: PLC0415

        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadEvent("the body is marked base64 but is not valid base64") from None
    return body.encode("utf-8", "surrogatepass")


def _strip_stage(path: str, stage: Any) -> str:
    # On a named stage an HTTP API puts the stage in front of the path; $default has none.
    if isinstance(stage, str) and stage and stage != "$default":
        prefix = f"/{stage}"
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :]
    return path or "/"


def _stage_in_url(context: Mapping[str, Any]) -> str:
    """What the client's URL has in front of the spec's paths: `/prod` for a named stage called on
    API Gateway's own host (https://{api-id}.execute-api.{region}.amazonaws.com/prod/users).

    On a custom domain the URL has the domain's mapping instead, which no event states reliably,
    and $default has nothing: both give "". Stage names are letters, digits, `-` and `_`; anything
    else is not trusted to start a path.
    """
    stage = context.get("stage")
    domain = context.get("domainName")
    if (
        isinstance(stage, str)
        and stage != "$default"
        and isinstance(domain, str)
        and ".execute-api." in domain
        and domain.endswith(_AWS_HOSTS)
        and _STAGE_NAME.fullmatch(stage)
    ):
        return f"/{stage}"
    return ""


def _request_id(context: Mapping[str, Any]) -> str:
    value = context.get("requestId")
    return value if isinstance(value, str) else ""


def _parse_query(raw: str) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    if not raw:
        return query
    if "%" in raw or "+" in raw:
        # Escapes to decode: the standard library's form decoding, imported only when needed.
        from urllib.parse import parse_qsl  # noqa: PLC0415

        pairs = parse_qsl(raw, keep_blank_values=True)
    else:
        # Nothing escaped (the usual case): splitting is all parse_qsl would do, at a third the cost.
        pairs = [part.partition("=")[::2] for part in raw.split("&") if part]
    for name, value in pairs:
        query.setdefault(name, []).append(value)
    return query


def _parse_cookies(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies.setdefault(name, value)
    return cookies


# Every event passes through these checks, so each tries the exact built-in type first: an
# isinstance() against an abstract class like Mapping costs several times more.


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if type(value) is dict:
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadEvent(f"{name} is not an object")
    return value


def _string(value: Any, name: str) -> str:
    if type(value) is not str and not isinstance(value, str):
        raise BadEvent(f"{name} is not a string")
    return value


def _strings(value: Any, name: str, *, lower: bool = False) -> dict[str, str]:
    """A copy of an object of strings, its names lower-cased if asked."""
    copy: dict[str, str] = {}
    for key, item in _mapping(value, name).items():
        if (type(key) is not str or type(item) is not str) and not (
            isinstance(key, str) and isinstance(item, str)
        ):
            raise BadEvent(f"{name} is not an object of strings")
        copy[key.lower() if lower else key] = item
    return copy


def _lower_case_names(headers: Any) -> Mapping[str, str]:
    """The headers by lower-case name, read-only.

    HTTP APIs send the names in lower case already. Then the event's own object is returned as it
    is, once two joins have shown that every name and value is a string (a join refuses anything
    else); that costs half of a lower-cased copy. Otherwise the copy is made.
    """
    if type(headers) is dict:
        try:
            names = "\n".join(headers)
            "".join(headers.values())
        except TypeError:
            raise BadEvent("headers is not an object of strings") from None
        if names == names.lower():
            return headers
    return _strings(headers, "headers", lower=True)


def _lists(value: Any, name: str) -> dict[str, list[str]]:
    mapping = _mapping(value, name)
    for key, values in mapping.items():
        if (
            not isinstance(key, str)
            or not isinstance(values, list)
            or not all(isinstance(v, str) for v in values)
        ):
            raise BadEvent(f"{name} is not an object of string lists")
    return {k: list(v) for k, v in mapping.items()}


def render(
    version: str, status: int, headers: Mapping[str, str | list[str]], body: str | None
) -> dict[str, Any]:
    """A Lambda proxy response in the event's format; Set-Cookie values are never folded together."""
    single: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers.items():
        if name.lower() == "set-cookie":
            cookies.extend(value if isinstance(value, list) else [value])
        elif isinstance(value, list):
            single[name] = ", ".join(value)
        else:
            single[name] = value
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": single,
        "isBase64Encoded": False,
        "body": body or "",
    }
    if cookies:
        if version == "2.0":
            response["cookies"] = cookies
        else:
            response["multiValueHeaders"] = {"Set-Cookie": cookies}
    return response
