"""The API Gateway events every stack answers, built from the ones in events/."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Request cases timed warm, in table order. The DB-free ones never reach storage.
DB_FREE_CASES = ("health", "invalid_body", "invalid_query", "unknown_route")
STORAGE_CASES = ("create", "get")
CASES = DB_FREE_CASES + STORAGE_CASES
CASE_LABELS = {
    "health": "GET /health",
    "invalid_body": "POST /users, invalid body",
    "invalid_query": "GET /users?limit=abc",
    "unknown_route": "GET /nope (unknown route)",
    "create": "POST /users, valid",
    "get": "GET /users/{id}, valid",
}
# The floor validates nothing, so it has no answer to an invalid request worth timing.
VALIDATING_CASES_ONLY = frozenset({"invalid_body", "invalid_query"})


def _load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def _unknown_route() -> dict[str, Any]:
    # On the $default route API Gateway forwards any path, with no routeKey match and no pathParameters.
    event = _load("getHealth")
    event["rawPath"] = "/nope"
    event["routeKey"] = "$default"
    event["requestContext"]["routeKey"] = "$default"
    event["requestContext"]["http"]["path"] = "/nope"
    return event


def _invalid_body() -> dict[str, Any]:
    event = _load("createUser")
    body = json.dumps({"email": "not-an-email", "name": ""})
    event["body"] = body
    event["headers"]["content-length"] = str(len(body))
    return event


def _invalid_query() -> dict[str, Any]:
    event = _load("listUsers")
    event["rawQueryString"] = "limit=abc"
    event["queryStringParameters"] = {"limit": "abc"}
    return event


def all_events() -> dict[str, dict[str, Any]]:
    return {
        "health": _load("getHealth"),
        "invalid_body": _invalid_body(),
        "invalid_query": _invalid_query(),
        "unknown_route": _unknown_route(),
        "create": _load("createUser"),
        "get": _load("getUser"),
    }


def cold_payload(validates: bool) -> dict[str, Any]:
    events = all_events()
    payload = {"health": events["health"]}
    if validates:
        payload["invalid_body"] = events["invalid_body"]
    return payload


def warm_payload(validates: bool) -> dict[str, Any]:
    events = all_events()
    cases: dict[str, Any] = {}
    for case in CASES:
        if case in VALIDATING_CASES_ONLY and not validates:
            cases[case] = None
        else:
            cases[case] = {"event": copy.deepcopy(events[case]), "unique_email": case == "create"}
    return {"cases": cases}


def ddb_payload() -> dict[str, Any]:
    return {"get": all_events()["get"]}
