"""What the Connexion host adds to Connexion: startup checks, header arguments, one problem shape."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from hosts.connexion_app import create_app
from users import operations


def test_an_operation_without_a_function_fails_when_the_app_is_built() -> None:
    only_health = SimpleNamespace(get_health=operations.get_health)

    with pytest.raises(LookupError, match="list_users"):  # Connexion's ResolverError
        create_app(only_health)


def test_declared_headers_reach_the_function_as_snake_case_keywords() -> None:
    seen: dict[str, Any] = {}

    def delete_user(user_id: str, if_match: str | None = None) -> tuple[None, int]:
        seen.update(user_id=user_id, if_match=if_match)
        return None, 204

    fake = SimpleNamespace(**{name: getattr(operations, name) for name in dir(operations)})
    fake.delete_user = delete_user
    with TestClient(create_app(fake)) as client:
        answer = client.delete("/users/u-1", headers={"If-Match": '"4"', "X-Other": "not declared"})

    assert answer.status_code == 204
    assert answer.content == b""
    assert seen == {"user_id": "u-1", "if_match": '"4"'}


def test_the_host_needs_no_token_where_api_gateway_would_have_checked_it(untouchable: object) -> None:
    with TestClient(create_app()) as client:
        answer = client.post("/users", json={"name": "no email"})

    # Validation ran, so security did not stop the request first (and storage was never reached).
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [{"in": "body", "name": "email", "message": "is required"}]
