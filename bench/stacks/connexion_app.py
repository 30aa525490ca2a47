"""Connexion 3 (AsyncApp) on this project's openapi.yaml, behind Mangum, calling users.operations.

Connexion passes path and query parameters and `body` as keyword arguments, but not header
parameters, so the two operations that take If-Match get a thin wrapper that reads the header
from Connexion's request. The project's domain errors become the same problem details as in the
project's handler.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connexion import AsyncApp, request
from connexion.lifecycle import ConnexionResponse
from connexion.resolver import Resolver
from mangum import Mangum

from bench.stacks.gateway_spec import spec_without_security
from dispatch import HttpProblem
from users import operations

ROOT = Path(__file__).resolve().parents[2]


def create_user(body: dict[str, Any]) -> Any:
    return operations.create_user(body, idempotency_key=request.headers.get("idempotency-key"))


def update_user(user_id: str, body: dict[str, Any]) -> Any:
    return operations.update_user(user_id, body, if_match=request.headers.get("if-match"))


def delete_user(user_id: str) -> Any:
    return operations.delete_user(user_id, if_match=request.headers.get("if-match"))


def _json_typed(function: Callable[..., Any]) -> Callable[..., Any]:
    """Name the media type of a success: Connexion refuses to guess when an operation declares more
    than one (application/json for success, application/problem+json for errors)."""

    @functools.wraps(function)
    def typed(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        body, status, headers = (
            result if isinstance(result, tuple) and len(result) == 3 else (result, 200, {})
        )
        if isinstance(result, tuple) and len(result) == 2:
            body, status = result
        if body is None:
            return body, status, headers
        return body, status, {**headers, "Content-Type": "application/json"}

    return typed


_FUNCTIONS = {
    name: _json_typed(function)
    for name, function in {
        "getHealth": operations.get_health,
        "listUsers": operations.list_users,
        "createUser": create_user,
        "getUser": operations.get_user,
        "updateUser": update_user,
        "deleteUser": delete_user,
    }.items()
}


def _problem(req: Any, problem: Exception) -> ConnexionResponse:
    assert isinstance(problem, HttpProblem)
    body = json.dumps(problem.body(req.headers.get("x-amzn-trace-id", "")))
    return ConnexionResponse(
        status_code=problem.status,
        content_type="application/problem+json",
        body=body,
        headers=problem.headers,
    )


app = AsyncApp(__name__, specification_dir=str(ROOT))
app.add_api(
    spec_without_security(), resolver=Resolver(function_resolver=_FUNCTIONS.__getitem__), pythonic_params=True
)
app.add_error_handler(HttpProblem, _problem)
handler = Mangum(app, lifespan="off")


def use_memory_store() -> object:
    from bench.memstore import use_in_users_operations  # noqa: PLC0415 - only warm runs swap the store

    return use_in_users_operations()
