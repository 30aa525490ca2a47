"""The floor: a dict of routes and the operations, with no validation at all.

It answers well-formed requests only; a malformed one may crash it, which is why the harness
sends it no invalid requests.
"""

from __future__ import annotations

import json

from bench.stacks import plain_ops as ops

TYPE_CHECKING = False  # the floor imports nothing it does not need, typing included
if TYPE_CHECKING:
    from typing import Any


def _health(event: dict[str, Any], user_id: str | None) -> tuple[int, Any, dict[str, str]]:
    return 200, ops.get_health(), {}


def _list(event: dict[str, Any], user_id: str | None) -> tuple[int, Any, dict[str, str]]:
    query = event.get("queryStringParameters") or {}
    tags = query["tag"].split(",") if "tag" in query else None
    return 200, ops.list_users(int(query.get("limit", 20)), query.get("cursor"), query.get("email"), tags), {}


def _create(event: dict[str, Any], user_id: str | None) -> tuple[int, Any, dict[str, str]]:
    body, status, headers = ops.create_user(
        json.loads(event["body"]), event["headers"].get("idempotency-key")
    )
    return status, body, headers


def _get(event: dict[str, Any], user_id: str | None) -> tuple[int, Any, dict[str, str]]:
    body, status, headers = ops.get_user(user_id or "")
    return status, body, headers


def _update(event: dict[str, Any], user_id: str | None) -> tuple[int, Any, dict[str, str]]:
    if_match = event["headers"].get("if-match")
    body, status, headers = ops.update_user(user_id or "", json.loads(event["body"]), if_match)
    return status, body, headers


def _delete(event: dict[str, Any], user_id: str | None) -> tuple[int, Any, dict[str, str]]:
    body, status = ops.delete_user(user_id or "", event["headers"].get("if-match"))
    return status, body, {}


_ROUTES = {("GET", "/health"): _health, ("GET", "/users"): _list, ("POST", "/users"): _create}
_ITEM_ROUTES = {"GET": _get, "PATCH": _update, "DELETE": _delete}


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    method = event["requestContext"]["http"]["method"]
    path = event["rawPath"]
    user_id = None
    route = _ROUTES.get((method, path))
    if route is None and path.startswith("/users/"):
        user_id = path[len("/users/") :]
        route = _ITEM_ROUTES.get(method)
    try:
        if route is None:
            raise ops.UserNotFound()
        status, body, headers = route(event, user_id)
    except ops.PROBLEMS as error:
        problem = {"status": error.status, "code": error.code}
        return {
            "statusCode": error.status,
            "headers": {"content-type": "application/problem+json"},
            "body": json.dumps(problem),
        }
    if body is None:
        return {"statusCode": status, "headers": headers}
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **headers},
        "body": json.dumps(body),
    }


def use_memory_store() -> object:
    from bench.memstore import MemoryStore  # noqa: PLC0415 - only warm runs swap the store

    ops.store = MemoryStore(ops)
    return ops.store
