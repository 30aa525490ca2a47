"""An in-memory stand-in for users.storage.UserStore, given to every stack alike.

Warm timings measure the framework, not DynamoDB, so every stack gets this same object in place
of its storage. It has UserStore's methods and return shapes, and copies what it hands out, as
UserStore does by deserialising each item. It raises whichever exception classes the stack's
operations expect, so stacks that do not import the project's errors can use it too.
"""

from __future__ import annotations

import json
import time
from typing import Any


class MemoryStore:
    """`errors` names the exception classes to raise: a module or object with UserNotFound,
    EmailTaken, StaleVersion and KeyAlreadyUsed (users.errors, or bench.stacks.plain_ops)."""

    def __init__(self, errors: Any) -> None:
        self._errors = errors
        self._users: dict[str, dict[str, Any]] = {}
        self._emails: dict[str, str] = {}
        self._remembered: dict[str, dict[str, Any]] = {}
        self.clock = time.time

    def back_off(self, retry: int) -> None:
        """Nothing to wait for: one process, so no write ever loses a race."""

    @staticmethod
    def _email_key(email: str) -> str:
        return email.strip().lower()

    @staticmethod
    def _copy(user: dict[str, Any]) -> dict[str, Any]:
        copied = dict(user)
        copied["tags"] = list(user.get("tags") or [])
        return copied

    def _at(self, user_id: str, expected: Any) -> dict[str, Any]:
        stored = self._users.get(user_id)
        if stored is None:
            raise self._errors.UserNotFound()
        if expected is not None and int(stored["version"]) not in expected:
            raise self._errors.StaleVersion()
        return stored

    def get(self, user_id: str) -> dict[str, Any] | None:
        user = self._users.get(user_id)
        return None if user is None else self._copy(user)

    def get_by_email(self, email: str) -> dict[str, Any] | None:
        user_id = self._emails.get(self._email_key(email))
        return None if user_id is None else self.get(user_id)

    def create(self, user: dict[str, Any], remember: dict[str, Any] | None = None) -> None:
        key = self._email_key(user["email"])
        if remember is not None:
            earlier = self._remembered.get(remember["key"])
            if earlier is not None and earlier["expiresAt"] >= int(self.clock()):
                raise self._errors.KeyAlreadyUsed()
        if key in self._emails:
            raise self._errors.EmailTaken()
        self._emails[key] = user["id"]
        self._users[user["id"]] = self._copy(user)
        if remember is not None:
            self._remembered[remember["key"]] = json.loads(json.dumps(remember))

    def remembered(self, key: str) -> dict[str, Any] | None:
        record = self._remembered.get(key)
        if record is None or record["expiresAt"] < int(self.clock()):
            return None
        return {"fingerprint": record["fingerprint"], "response": json.loads(json.dumps(record["response"]))}

    def update(self, user_id: str, patch: dict[str, Any], expected: Any, now: str) -> dict[str, Any]:
        stored = self._at(user_id, expected)
        for name, value in patch.items():
            if value is None and name != "tags":
                stored.pop(name, None)
            else:
                stored[name] = [] if value is None else value
        stored["version"] = int(stored["version"]) + 1
        stored["updatedAt"] = now
        return self._copy(stored)

    def replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self._at(old["id"], frozenset({int(old["version"])}))
        old_key, new_key = self._email_key(old["email"]), self._email_key(new["email"])
        if old_key != new_key:
            if new_key in self._emails:
                raise self._errors.EmailTaken()
            del self._emails[old_key]
            self._emails[new_key] = new["id"]
        self._users[new["id"]] = self._copy(new)

    def delete(self, user: dict[str, Any]) -> None:
        self._at(user["id"], frozenset({int(user["version"])}))
        del self._users[user["id"]]
        self._emails.pop(self._email_key(user["email"]), None)

    def scan(
        self, limit: int, cursor: str | None, tags: list[str]
    ) -> tuple[list[dict[str, Any]], str | None]:
        ids = sorted(self._users)
        start = ids.index(cursor) + 1 if cursor in self._users else 0
        wanted = set(tags)
        page: list[dict[str, Any]] = []
        for user_id in ids[start:]:
            user = self._users[user_id]
            if wanted <= set(user["tags"]):
                page.append(self._copy(user))
                if len(page) == limit:
                    return page, user_id
        return page, None


SEED_USER = {
    # The id in events/getUser.json, so the "valid get" request finds a user in every stack.
    "id": "0d6a4b2c-6f1e-4c1e-9a57-2f2d4e8b9c10",
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "bio": None,
    "locale": "en",
    "tags": ["navy", "cobol"],
    "createdAt": "2025-12-03T16:00:00.000Z",
    "updatedAt": "2025-12-03T16:00:00.000Z",
    "version": 1,
}


def use_in_users_operations() -> MemoryStore:
    """Put a MemoryStore in place of `users.operations.store`, for the stacks that call those."""
    from users import errors, operations  # noqa: PLC0415 - bench tools import the project lazily

    store = MemoryStore(errors)
    operations.store = store
    return store
