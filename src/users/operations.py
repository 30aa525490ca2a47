"""One function per operationId of openapi.yaml.

The dispatcher has already checked every argument against the spec, so these functions hold only
what the spec cannot say: ids and timestamps, email uniqueness, versions and merge patches. They
return a body, `(body, status)` or `(body, status, headers)`, and raise the errors in users.errors.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from dispatch._typing import TYPE_CHECKING
from users.errors import IdempotencyKeyReused, StaleVersion, StorageUnavailable, UserNotFound
from users.storage import KeyAlreadyUsed, UserStore

if TYPE_CHECKING:
    from typing import Any

store = UserStore()

# Writes without If-Match retry on a concurrent change; past this many tries the caller gets a 503.
_MAX_WRITE_ATTEMPTS = 10
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
_ETAG = re.compile(r'"(0|[1-9][0-9]{0,17})"')  # exactly the tags _etag() writes


def get_health() -> dict[str, str]:
    return {"status": "ok"}


def list_users(
    limit: int = 20, cursor: str | None = None, email: str | None = None, tag: list[str] | None = None
) -> dict[str, Any]:
    tags = tag or []
    if email is not None:
        user = store.get_by_email(email)
        matches = [user] if user is not None and set(tags) <= set(user["tags"]) else []
        return {"items": [_public(u) for u in matches], "nextCursor": None}
    users, next_cursor = store.scan(limit, cursor, tags)
    return {"items": [_public(u) for u in users], "nextCursor": next_cursor}


def create_user(
    body: dict[str, Any], idempotency_key: str | None = None
) -> tuple[dict[str, Any], int, dict[str, str]]:
    if idempotency_key is None:
        return _create(body, None)
    import hashlib  # noqa: PLC0415 - only requests with an Idempotency-Key need it

    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    earlier = store.remembered(idempotency_key)
    if earlier is None:
        remember = {"key": idempotency_key, "fingerprint": fingerprint, "expiresAt": _expiry()}
        try:
            return _create(body, remember)
        except KeyAlreadyUsed:
            earlier = store.remembered(idempotency_key)  # a concurrent retry won: answer as it did
            if earlier is None:
                raise StorageUnavailable() from None
    if earlier["fingerprint"] != fingerprint:
        raise IdempotencyKeyReused()
    response = earlier["response"]
    return response["body"], response["status"], response["headers"]


def _create(
    body: dict[str, Any], remember: dict[str, Any] | None
) -> tuple[dict[str, Any], int, dict[str, str]]:
    import uuid  # noqa: PLC0415 - deferred from cold start to the first create

    now = _now()
    user = {
        "id": str(uuid.uuid4()),
        "email": body["email"].strip(),
        "name": body["name"],
        "bio": body.get("bio"),
        "locale": body.get("locale", "en"),
        "tags": body.get("tags", []),
        "createdAt": now,
        "updatedAt": now,
        "version": 1,
    }
    headers = {"Location": f"/users/{user['id']}", "ETag": _etag(user)}
    if remember is not None:
        remember["response"] = {"body": _public(user), "status": 201, "headers": headers}
    store.create(user, remember)
    return _public(user), 201, headers


def get_user(user_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    user = _existing(user_id)
    return _public(user), 200, {"ETag": _etag(user)}


def update_user(
    user_id: str, body: dict[str, Any], if_match: str | None = None
) -> tuple[dict[str, Any], int, dict[str, str]]:
    expected = _expected_versions(if_match)
    if "email" not in body:
        # One conditional UpdateItem: atomic in DynamoDB, so concurrent patches all apply.
        updated = store.update(user_id, body, expected, _now())
        return _public(updated), 200, {"ETag": _etag(updated)}
    # A new email moves the user's marker in a transaction based on the user as read; a concurrent
    # write makes it stale, and without If-Match the patch is applied again to the newer user.
    for attempt in range(_MAX_WRITE_ATTEMPTS):
        if attempt:
            store.back_off(attempt)
        current = _existing(user_id)
        _check_precondition(current, expected)
        updated = _merge(current, body)
        try:
            store.replace(current, updated)
        except StaleVersion:
            if expected is not None:
                raise
            continue
        return _public(updated), 200, {"ETag": _etag(updated)}
    raise StorageUnavailable()


def delete_user(user_id: str, if_match: str | None = None) -> tuple[None, int]:
    expected = _expected_versions(if_match)
    for attempt in range(_MAX_WRITE_ATTEMPTS):
        if attempt:
            store.back_off(attempt)
        current = _existing(user_id)
        _check_precondition(current, expected)
        try:
            store.delete(current)
        except StaleVersion:
            if expected is not None:
                raise
            continue
        return None, 204
    raise StorageUnavailable()


def _existing(user_id: str) -> dict[str, Any]:
    user = store.get(user_id)
    if user is None:
        raise UserNotFound()
    return user


def _merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7396 on a flat user: null removes an optional member, any other value replaces it."""
    updated = dict(current)
    for name, value in patch.items():
        if value is None:
            updated[name] = [] if name == "tags" else None
        else:
            updated[name] = value.strip() if name == "email" else value
    updated["version"] = int(current["version"]) + 1
    updated["updatedAt"] = _now()
    return updated


def _expected_versions(if_match: str | None) -> frozenset[int] | None:
    """The versions If-Match allows; None when any version will do (no header, or `*`).

    Weak tags (W/"1") never match: If-Match compares strongly (RFC 9110).
    """
    if if_match is None:
        return None
    versions: set[int] = set()
    for tag in if_match.split(","):
        tag = tag.strip()
        if tag == "*":
            return None
        found = _ETAG.fullmatch(tag)  # any other tag (weak, padded, not ours) can never match
        if found:
            versions.add(int(found[1]))
    return frozenset(versions)


def _check_precondition(user: dict[str, Any], expected: frozenset[int] | None) -> None:
    if expected is not None and int(user["version"]) not in expected:
        raise StaleVersion()


def _etag(user: dict[str, Any]) -> str:
    return f'"{int(user["version"])}"'


def _public(user: dict[str, Any]) -> dict[str, Any]:
    view = {name: value for name, value in user.items() if name != "version"}
    view.setdefault("tags", [])
    if view.get("bio") is None:
        view.pop("bio", None)
    return view


def _expiry() -> int:
    return int(store.clock()) + IDEMPOTENCY_TTL_SECONDS


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
