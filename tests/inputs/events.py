"""Events in the shapes API Gateway really sends, built from copies of the files in events/."""

import copy
from typing import Any

from tests.client import http_event, load_event, rest_event

_ROUTED = load_event("getUser.json")


def routed_event(
    method: str,
    path: str,
    template: str | None,
    path_parameters: dict[str, str] | None = None,
    *,
    stage: str = "$default",
    query: str = "",
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """A payload 2.0 event as an HTTP API sends it on `stage`: routed to `template`, or on $default."""
    event = copy.deepcopy(_ROUTED)
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    route_key = f"{method} {template}" if template else "$default"
    event.update(routeKey=route_key, rawPath=raw_path, rawQueryString=query)
    event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
    if path_parameters and template:
        event["pathParameters"] = dict(path_parameters)
    else:
        event.pop("pathParameters", None)
    event["requestContext"].update(routeKey=route_key, stage=stage)
    event["requestContext"]["http"].update(method=method, path=raw_path)
    if body is not None:
        event["body"] = body
    return event


def rest_routed_event(
    method: str,
    path: str,
    resource: str,
    path_parameters: dict[str, str] | None,
    *,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """A REST API payload 1.0 event for a resource of the spec (not the catch-all proxy)."""
    event = rest_event(method, path, query=query, headers=headers, body=body)
    event["resource"] = resource
    event["pathParameters"] = dict(path_parameters) if path_parameters else None
    event["requestContext"]["resourcePath"] = resource
    return event


__all__ = ["http_event", "rest_event", "rest_routed_event", "routed_event"]
