"""Users in DynamoDB: the only module that sees boto3.

One table, keyed by `pk`. A user is `USER#<id>`; each email has a marker item `EMAIL#<email in
lower case>` naming its user, written in the same transaction as the user, so two users can never
share an email even when requests race. Every user carries a `version`, the basis of its ETag;
every write is conditional on it, so no write is lost to a concurrent one and no update or delete
can create an item.

boto3 is imported on the first storage call, not at import: requests that never touch DynamoDB
(health checks, invalid requests) do not pay for it at cold start.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager

from dispatch._typing import TYPE_CHECKING
from users.errors import (
    EmailTaken,
    InvalidCursor,
    StaleVersion,
    StorageUnavailable,
    UserNotFound,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

USER = "USER#"
EMAIL = "EMAIL#"
IDEMPOTENCY = "IDEMPOTENCY#"
_KINDS = (USER, EMAIL, IDEMPOTENCY)
_TRANSACTION_TRIES = 4
_SCAN_PAGE = 100  # items one Scan call reads at most
_ITEMS_READ_PER_LIST = 800  # and one list request: a filter few users match still answers soon
# DynamoDB's answers that mean "not now" rather than "never": throttling and passing faults.
_RETRYABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)


def email_key(email: str) -> str:
    return EMAIL + email.strip().lower()


class UserStore:
    """The table's users. `clock` (epoch seconds) and `sleep` are time.time and time.sleep unless a
    test gives its own, to see retries and expiry without waiting for them. `read_per_list` is the
    most items a list request reads; a test makes it 1, so that pages end on each item in turn."""

    def __init__(
        self,
        table_name: str | None = None,
        client: Any = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        read_per_list: int = _ITEMS_READ_PER_LIST,
    ) -> None:
        self._table_name = table_name
        self._client = client
        self.clock = clock
        self._sleep = sleep
        self._read_per_list = read_per_list

    @property
    def table(self) -> str:
        if self._table_name is None:
            self._table_name = os.environ["TABLE_NAME"]
        return self._table_name

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # noqa: PLC0415 - deferred on purpose, see the module docstring
            from botocore.config import Config  # noqa: PLC0415

            config = Config(
                connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3}
            )
            self._client = boto3.client("dynamodb", config=config)
        return self._client

    def get(self, user_id: str) -> dict[str, Any] | None:
        with _translated():
            found = self.client.get_item(TableName=self.table, Key=_key(USER + user_id), ConsistentRead=True)
        item = found.get("Item")
        return _from_item(item) if item else None

    def get_by_email(self, email: str) -> dict[str, Any] | None:
        with _translated():
            found = self.client.get_item(
                TableName=self.table, Key=_key(email_key(email)), ConsistentRead=True
            )
        marker = found.get("Item")
        return self.get(marker["userId"]["S"]) if marker else None

    def create(self, user: dict[str, Any], remember: dict[str, Any] | None = None) -> None:
        """Store a new user and its email marker; with `remember`, its idempotency record too.

        `remember` holds `key`, `fingerprint`, `response` and `expiresAt` (epoch seconds). The three
        items commit together, so a record exists only for a user that was really created.
        """
        items = [
            _put(self.table, _to_item(USER + user["id"], "user", user), "attribute_not_exists(pk)"),
            _put(self.table, _marker(user), "attribute_not_exists(pk)"),
        ]
        if remember is not None:
            record = {
                "pk": {"S": _record_key(remember["key"])},
                "kind": {"S": "idempotency"},
                "fingerprint": {"S": remember["fingerprint"]},
                "response": {"S": json.dumps(remember["response"], separators=(",", ":"))},
                "expiresAt": {"N": str(remember["expiresAt"])},
            }
            # An expired record may linger until DynamoDB's TTL sweep removes it; it no longer counts.
            now = {":now": {"N": str(int(self.clock()))}}
            items.append(_put(self.table, record, "attribute_not_exists(pk) OR expiresAt < :now", now))
        reasons = self._transact(items)
        if reasons is None:
            return
        if remember is not None and reasons[2] == "ConditionalCheckFailed":
            raise KeyAlreadyUsed()
        raise EmailTaken() if reasons[1] == "ConditionalCheckFailed" else StorageUnavailable()

    def remembered(self, key: str) -> dict[str, Any] | None:
        """The unexpired idempotency record for `key`: its `fingerprint` and `response`."""
        with _translated():
            found = self.client.get_item(
                TableName=self.table, Key=_key(_record_key(key)), ConsistentRead=True
            )
        item = found.get("Item")
        # Whole seconds, as the condition that lets a create replace an expired record compares.
        if not item or int(item["expiresAt"]["N"]) < int(self.clock()):
            return None
        return {"fingerprint": item["fingerprint"]["S"], "response": json.loads(item["response"]["S"])}

    def update(
        self, user_id: str, patch: dict[str, Any], expected: frozenset[int] | None, now: str
    ) -> dict[str, Any]:
        """Apply a merge patch that keeps the email in one UpdateItem; return the new user.

        A null removes the member (tags become empty). Only an existing user at one of the
        `expected` versions (any version when None) is changed.
        """
        serialise = _serialiser()
        names = {"#version": "version", "#updatedAt": "updatedAt"}
        values: dict[str, Any] = {":one": {"N": "1"}, ":now": {"S": now}}
        sets = ["#version = #version + :one", "#updatedAt = :now"]
        removes = []
        for index, (name, value) in enumerate(patch.items()):
            names[f"#m{index}"] = name
            if value is None and name != "tags":
                removes.append(f"#m{index}")
            else:
                values[f":m{index}"] = serialise([] if value is None else value)
                sets.append(f"#m{index} = :m{index}")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        condition = "attribute_exists(pk)"
        if expected is not None:
            allowed = [f":v{i}" for i in range(len(expected))]
            values.update({f":v{i}": {"N": str(v)} for i, v in enumerate(sorted(expected))})
            condition += (
                f" AND #version IN ({', '.join(allowed)})" if allowed else " AND attribute_not_exists(pk)"
            )
        for attempt in range(_TRANSACTION_TRIES):
            if attempt:
                self._pause_after_collision(attempt)
            try:
                with _translated():
                    updated = self.client.update_item(
                        TableName=self.table,
                        Key=_key(USER + user_id),
                        UpdateExpression=expression,
                        ConditionExpression=condition,
                        ExpressionAttributeNames=names,
                        ExpressionAttributeValues=values,
                        ReturnValues="ALL_NEW",
                    )
            except _Collided:
                continue  # the user is in another request's transaction (an email change, a delete)
            except _ConditionFailed:
                # The user is missing, or at another version.
                if self.get(user_id) is None:
                    raise UserNotFound() from None
                raise StaleVersion() from None
            return _from_item(updated["Attributes"])
        raise StorageUnavailable()

    def replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Write `new` over `old`, if the stored user is still at `old`'s version."""
        put_user = _put(
            self.table,
            _to_item(USER + new["id"], "user", new),
            "version = :expected",
            {":expected": {"N": str(old["version"])}},
        )
        if email_key(old["email"]) == email_key(new["email"]):
            reasons = self._transact([put_user])
        else:
            reasons = self._transact(
                [
                    put_user,
                    _release(self.table, old),
                    _put(self.table, _marker(new), "attribute_not_exists(pk)"),
                ]
            )
        if reasons is not None:
            if reasons[0] == "ConditionalCheckFailed":
                raise StaleVersion()
            if len(reasons) == 3 and reasons[2] == "ConditionalCheckFailed":
                raise EmailTaken()
            raise StorageUnavailable()

    def delete(self, user: dict[str, Any]) -> None:
        """Delete the user and free its email, if the stored user is still at `user`'s version."""
        delete_user = {
            "Delete": {
                "TableName": self.table,
                "Key": _key(USER + user["id"]),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(user["version"])}},
            }
        }
        reasons = self._transact([delete_user, _release(self.table, user)])
        if reasons is not None:
            raise StaleVersion() if reasons[0] == "ConditionalCheckFailed" else StorageUnavailable()

    def scan(
        self, limit: int, cursor: str | None, tags: list[str]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of users having every tag, and the cursor of the next page (None at the end).

        A scan visits items in key-hash order, so a walk that follows the cursors sees every user
        that exists throughout exactly once, whatever is written meanwhile.
        """
        conditions = ["kind = :user"] + [f"contains(tags, :tag{i})" for i in range(len(tags))]
        values: dict[str, Any] = {":user": {"S": "user"}}
        values.update({f":tag{i}": {"S": tag} for i, tag in enumerate(tags)})
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": " AND ".join(conditions),
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        start = _decode_cursor(cursor) if cursor is not None else None
        users: list[dict[str, Any]] = []
        unread = self._read_per_list
        while True:
            request["Limit"] = min(_SCAN_PAGE, unread)
            unread -= request["Limit"]
            if start is not None:
                request["ExclusiveStartKey"] = start
            with _translated():
                page = self.client.scan(**request)
            # The last item read, which the filter may have dropped: a user, marker or record.
            start = page.get("LastEvaluatedKey")
            items = page.get("Items", [])
            for index, item in enumerate(items):
                users.append(_from_item(item))
                if len(users) == limit:
                    last_of_scan = index == len(items) - 1
                    resume = start if last_of_scan else _key(item["pk"]["S"])
                    return users, _encode_cursor(resume) if resume else None
            if start is None:
                return users, None
            if unread <= 0:
                return users, _encode_cursor(start)

    def _transact(self, items: list[dict[str, Any]]) -> list[str] | None:
        """None when the transaction committed, else the cancellation reason of each item.

        A transaction that collided with another one on the same items is tried again, after a
        short random pause, so that racing requests resolve to one winner and clear answers
        (409, 412) for the others rather than a 503.
        """
        for attempt in range(_TRANSACTION_TRIES):
            if attempt:
                self._pause_after_collision(attempt)
            try:
                with _translated():
                    self.client.transact_write_items(TransactItems=items)
            except _Cancelled as cancelled:
                codes = cancelled.reasons + ["None"] * (len(items) - len(cancelled.reasons))
                if "TransactionConflict" not in codes or "ConditionalCheckFailed" in codes:
                    return codes
            else:
                return None
        raise StorageUnavailable()

    def _pause_after_collision(self, retry: int) -> None:
        """Wait before retry number `retry` of a write that met another transaction: 10 to 50 ms
        times the retry's number, jittered so the colliding writers spread out."""
        import random  # noqa: PLC0415 - needed only under contention

        self._sleep(random.uniform(0.01, 0.05) * retry)  # noqa: S311 - jitter, not secrecy

    def back_off(self, retry: int) -> None:
        """Wait before retry number `retry` (1, 2, ...) of a write that lost a race: jittered, so
        racing writers spread out, under a ceiling that doubles from 10 ms and stops at 320 ms."""
        import random  # noqa: PLC0415 - needed only under contention

        self._sleep(random.uniform(0, 0.01 * 2 ** min(retry - 1, 5)))  # noqa: S311 - jitter, not secrecy


class KeyAlreadyUsed(Exception):
    """An idempotency record exists for the key: the caller replays its answer instead."""


class _Collided(StorageUnavailable):
    """A single-item write met a transaction on the same item (TransactionConflictException). It is
    worth trying again; a caller that does not is answered 503, as for any passing fault."""


class _ConditionFailed(Exception):
    """A conditional write found the item not as the condition required."""


class _Cancelled(Exception):
    """A transaction was cancelled; `reasons` has one code per item, as DynamoDB gave them."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons


@contextmanager
def _translated() -> Iterator[None]:
    """boto3's errors as this module handles them: failed conditions and cancelled transactions
    become the two exceptions above, passing faults become 503s, and anything else (access
    denied, a missing table) stays an error, which the dispatcher answers with a 500."""
    from botocore.exceptions import (  # noqa: PLC0415 - boto3 is loaded by now
        ClientError,
        ConnectionError,
        HTTPClientError,
    )

    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise _ConditionFailed() from error
        if code == "TransactionConflictException":
            raise _Collided() from error
        if code == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons") or []
            raise _Cancelled([reason.get("Code", "None") for reason in reasons]) from error
        if code in _RETRYABLE:
            raise StorageUnavailable() from error
        raise
    except (ConnectionError, HTTPClientError) as error:
        raise StorageUnavailable() from error


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def _put(
    table: str, item: dict[str, Any], condition: str, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": item, "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = values
    return {"Put": put}


def _marker(user: dict[str, Any]) -> dict[str, Any]:
    return {"pk": {"S": email_key(user["email"])}, "kind": {"S": "email"}, "userId": {"S": user["id"]}}


def _release(table: str, user: dict[str, Any]) -> dict[str, Any]:
    """Delete the user's email marker; tolerate one already gone, never one owned by another user."""
    return {
        "Delete": {
            "TableName": table,
            "Key": _key(email_key(user["email"])),
            "ConditionExpression": "attribute_not_exists(pk) OR userId = :id",
            "ExpressionAttributeValues": {":id": {"S": user["id"]}},
        }
    }


def _serialiser() -> Any:
    """boto3's Python-to-DynamoDB conversion (Decimal for numbers; a float is refused)."""
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415 - boto3 is loaded by now

    return TypeSerializer().serialize


def _to_item(pk: str, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    serialise = _serialiser()
    item = {name: serialise(value) for name, value in record.items() if value is not None}
    item["pk"] = {"S": pk}
    item["kind"] = {"S": kind}
    return item


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415 - boto3 is loaded by now

    deserialise = TypeDeserializer().deserialize
    return {name: deserialise(value) for name, value in item.items() if name not in ("pk", "kind")}


def _record_key(idempotency_key: str) -> str:
    """An idempotency record's key: a digest of the client's key, never the key itself.

    A list's cursor is the key of the item its scan stopped on, which can be a record; a client's
    Idempotency-Key must not reach other clients that way.
    """
    import hashlib  # noqa: PLC0415 - creates with a key only

    return IDEMPOTENCY + hashlib.sha256(idempotency_key.encode()).hexdigest()


def _encode_cursor(key: dict[str, Any]) -> str:
    import base64  # noqa: PLC0415 - list requests only, not at cold start

    text = json.dumps({"pk": key["pk"]["S"]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, Any]:
    """A key to resume a scan from; anything this API could not have issued is refused."""
    import base64  # noqa: PLC0415 - list requests only, not at cold start
    import binascii  # noqa: PLC0415

    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        data = json.loads(text)
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    pk = data.get("pk") if isinstance(data, dict) else None
    # A scan can stop on any item of the table, so a cursor may name any kind of key.
    if not isinstance(pk, str) or len(data) != 1 or not pk.startswith(_KINDS) or len(pk) > 512:
        raise InvalidCursor()
    return _key(pk)
