"""One function per operationId of openapi.yaml.

The dispatcher has already checked every argument against the spec, so these functions hold only
what the spec cannot say: ids and timestamps, email uniqueness, versions and merge patches. They
return a body, or (body, status, headers), and raise the errors in users.errors.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from users.errors import StaleVersion, StorageUnavailable, UserNotFound
from users.storage import UserStore

store = UserStore()

# Updates without If-Match retry on a concurrent change; past this many tries the caller gets a 503.
_MAX_UPDATE_ATTEMPTS = 8
_OPTIONAL_MEMBERS = ("bio", "tags")


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


def create_user(body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
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
    store.create(user)
    return _public(user), 201, {"Location": f"/users/{user['id']}", "ETag": _etag(user)}


def get_user(user_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    user = _existing(user_id)
    return _public(user), 200, {"ETag": _etag(user)}


def update_user(
    user_id: str, body: dict[str, Any], if_match: str | None = None
) -> tuple[dict[str, Any], int, dict[str, str]]:
    for _ in range(_MAX_UPDATE_ATTEMPTS):
        current = _existing(user_id)
        _check_precondition(current, if_match)
        updated = _merge(current, body)
        try:
            store.replace(current, updated)
        except StaleVersion:
            if if_match is not None:
                raise
            continue  # someone else wrote first: apply this patch to their result
        return _public(updated), 200, {"ETag": _etag(updated)}
    raise StorageUnavailable()


def delete_user(user_id: str, if_match: str | None = None) -> tuple[None, int]:
    for _ in range(_MAX_UPDATE_ATTEMPTS):
        current = _existing(user_id)
        _check_precondition(current, if_match)
        try:
            store.delete(current)
        except StaleVersion:
            if if_match is not None:
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


def _check_precondition(user: dict[str, Any], if_match: str | None) -> None:
    if if_match is None:
        return
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and _etag(user) not in tags:
        raise StaleVersion()


def _etag(user: dict[str, Any]) -> str:
    return f'"{int(user["version"])}"'


def _public(user: dict[str, Any]) -> dict[str, Any]:
    view = {name: value for name, value in user.items() if name != "version"}
    view.setdefault("tags", [])
    if view.get("bio") is None:
        view.pop("bio", None)
    return view


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
