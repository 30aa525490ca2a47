"""The Users operations in plain Python, for the stacks that must not import the project.

The bare handler (the floor) and the Powertools stack implement the API themselves, as a team
using either would; importing the project's operations would also load its dispatcher and charge
its import time to them. The behaviour follows users.operations: ids, timestamps, ETags, merge
patches (one atomic update unless the email changes), idempotent creates, and the same errors.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class UserNotFound(Exception):
    status = 404
    code = "NOT_FOUND"


class EmailTaken(Exception):
    status = 409
    code = "EMAIL_TAKEN"


class StaleVersion(Exception):
    status = 412
    code = "PRECONDITION_FAILED"


class IdempotencyKeyReused(Exception):
    status = 422
    code = "IDEMPOTENCY_KEY_REUSED"


class KeyAlreadyUsed(Exception):
    """The store already holds a record for this idempotency key."""


PROBLEMS = (UserNotFound, EmailTaken, StaleVersion, IdempotencyKeyReused)
_TRIES = 10

# Replaced by the harness (an in-memory store); a real deployment would put a DynamoDB store here.
store: Any = None


def get_health() -> dict[str, str]:
    return {"status": "ok"}


def list_users(limit: int = 20, cursor: str | None = None, email: str | None = None, tag: Any = None) -> Any:
    tags = list(tag or [])
    if email is not None:
        user = store.get_by_email(email)
        matches = [user] if user is not None and set(tags) <= set(user["tags"]) else []
        return {"items": [public(u) for u in matches], "nextCursor": None}
    users, next_cursor = store.scan(limit, cursor, tags)
    return {"items": [public(u) for u in users], "nextCursor": next_cursor}


def create_user(body: dict[str, Any], idempotency_key: str | None = None) -> tuple[Any, int, dict[str, str]]:
    if idempotency_key is None:
        return _create(body, None)
    import hashlib  # noqa: PLC0415 - as in users.operations: not at cold start

    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    earlier = store.remembered(idempotency_key)
    if earlier is None:
        remember = {"key": idempotency_key, "fingerprint": fingerprint, "expiresAt": int(time.time()) + 86400}
        try:
            return _create(body, remember)
        except KeyAlreadyUsed:
            earlier = store.remembered(idempotency_key)
            if earlier is None:
                raise
    if earlier["fingerprint"] != fingerprint:
        raise IdempotencyKeyReused()
    response = earlier["response"]
    return response["body"], response["status"], response["headers"]


def _create(body: dict[str, Any], remember: dict[str, Any] | None) -> tuple[Any, int, dict[str, str]]:
    import uuid  # noqa: PLC0415 - as in users.operations: not at cold start

    now = _now()
    user = {
        "id": str(uuid.uuid4()),
        "email": body["email"].strip(),
        "name": body["name"],
        "bio": body.get("bio"),
        "locale": body.get("locale") or "en",
        "tags": body.get("tags") or [],
        "createdAt": now,
        "updatedAt": now,
        "version": 1,
    }
    headers = {"Location": f"/users/{user['id']}", "ETag": etag(user)}
    if remember is not None:
        remember["response"] = {"body": public(user), "status": 201, "headers": headers}
    store.create(user, remember)
    return public(user), 201, headers


def get_user(user_id: str) -> tuple[Any, int, dict[str, str]]:
    user = _existing(user_id)
    return public(user), 200, {"ETag": etag(user)}


def update_user(
    user_id: str, patch: dict[str, Any], if_match: str | None = None
) -> tuple[Any, int, dict[str, str]]:
    expected = _expected(if_match)
    if "email" not in patch:
        updated = store.update(user_id, patch, expected, _now())
        return public(updated), 200, {"ETag": etag(updated)}
    for _ in range(_TRIES):
        current = _existing(user_id)
        if expected is not None and int(current["version"]) not in expected:
            raise StaleVersion()
        updated = dict(current)
        for name, value in patch.items():
            updated[name] = ([] if name == "tags" else None) if value is None else value
        updated["email"] = updated["email"].strip()
        updated["version"] = int(current["version"]) + 1
        updated["updatedAt"] = _now()
        try:
            store.replace(current, updated)
        except StaleVersion:
            if expected is not None:
                raise
            continue
        return public(updated), 200, {"ETag": etag(updated)}
    raise StaleVersion()


def delete_user(user_id: str, if_match: str | None = None) -> tuple[None, int]:
    expected = _expected(if_match)
    for _ in range(_TRIES):
        current = _existing(user_id)
        if expected is not None and int(current["version"]) not in expected:
            raise StaleVersion()
        try:
            store.delete(current)
        except StaleVersion:
            if expected is not None:
                raise
            continue
        return None, 204
    raise StaleVersion()


def _existing(user_id: str) -> dict[str, Any]:
    user = store.get(user_id)
    if user is None:
        raise UserNotFound()
    return user


def _expected(if_match: str | None) -> frozenset[int] | None:
    if if_match is None:
        return None
    versions = set()
    for tag in if_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return None
        if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
            versions.add(int(tag[1:-1]))
    return frozenset(versions)


def etag(user: dict[str, Any]) -> str:
    return f'"{int(user["version"])}"'


def public(user: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in user.items() if k != "version"}
    view.setdefault("tags", [])
    if view.get("bio") is None:
        view.pop("bio", None)
    return view


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
