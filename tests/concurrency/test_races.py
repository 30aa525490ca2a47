"""Racing and retried requests against DynamoDB Local's real transaction and condition semantics.

moto's transactions are not safe under concurrent requests, so these tests run only on
DynamoDB Local. Each ends by walking the whole table and checking its invariants.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import app
from tests.client import ApiClient, Reply
from users import operations
from users.storage import UserStore

pytestmark = pytest.mark.integration

WORKERS = 16


@pytest.fixture
def api(local_store: UserStore, monkeypatch: pytest.MonkeyPatch) -> ApiClient:
    monkeypatch.setattr(operations, "store", local_store)
    return ApiClient(app.handler)


def race(count: int, request: Callable[[int], Reply]) -> list[Reply]:
    """Send `count` requests at once (a barrier releases them together) and collect the replies."""
    barrier = threading.Barrier(min(count, WORKERS))

    def send(i: int) -> Reply:
        if i < WORKERS:
            barrier.wait(timeout=30)
        return request(i)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(send, range(count)))


def table_items(store: UserStore) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": store.table, "ConsistentRead": True}
    while True:
        page = store.client.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def check_invariants(store: UserStore) -> dict[str, dict[str, Any]]:
    """Each user owns exactly one marker for its email, each marker belongs to a live user."""
    items = table_items(store)
    users = {i["id"]["S"]: i for i in items if i["kind"]["S"] == "user"}
    markers = {i["pk"]["S"]: i["userId"]["S"] for i in items if i["kind"]["S"] == "email"}
    emails = Counter(u["email"]["S"].strip().lower() for u in users.values())
    assert all(n == 1 for n in emails.values()), f"two users share an email: {emails.most_common(3)}"
    for user_id, user in users.items():
        assert markers.get("EMAIL#" + user["email"]["S"].strip().lower()) == user_id, (
            "user without its marker"
        )
    for key, user_id in markers.items():
        assert user_id in users, f"orphaned marker {key}"
        assert "EMAIL#" + users[user_id]["email"]["S"].lower() == key, (
            f"marker {key} names a user with another email"
        )
    return users


def test_concurrent_creates_with_one_email_make_exactly_one_user(
    api: ApiClient, local_store: UserStore
) -> None:
    spellings = ["race@example.com", "RACE@example.com", " Race@Example.com", "race@EXAMPLE.com "]
    replies = race(50, lambda i: api.post("/users", json_body={"email": spellings[i % 4], "name": f"N{i}"}))
    statuses = Counter(r.status for r in replies)
    assert statuses == {201: 1, 409: 49}
    users = check_invariants(local_store)
    assert len(users) == 1


def test_concurrent_patches_with_one_if_match_let_exactly_one_win(
    api: ApiClient, local_store: UserStore
) -> None:
    user = api.create_user(handle="contended")
    path = f"/users/{user.json['id']}"
    etag = user.headers["etag"]
    replies = race(
        50, lambda i: api.patch(path, json_body={"name": f"Writer {i}"}, headers={"if-match": etag})
    )
    statuses = Counter(r.status for r in replies)
    assert statuses == {200: 1, 412: 49}
    winner = next(r for r in replies if r.status == 200)
    stored = api.get(path)
    assert stored.headers["etag"] == '"2"'
    assert stored.json["name"] == winner.json["name"]
    check_invariants(local_store)


def test_concurrent_patches_without_if_match_are_all_applied(api: ApiClient, local_store: UserStore) -> None:
    user = api.create_user(handle="busy")
    path = f"/users/{user.json['id']}"

    def patch(i: int) -> Reply:
        member = {"name": f"Name {i}"} if i % 2 else {"bio": f"Bio {i}"}
        return api.patch(path, json_body=member)

    replies = race(30, patch)
    assert Counter(r.status for r in replies) == {200: 30}
    stored = api.get(path)
    assert stored.headers["etag"] == '"31"'  # every one of the 30 updates was applied once
    assert stored.json["name"] in {f"Name {i}" for i in range(1, 30, 2)}
    assert stored.json["bio"] in {f"Bio {i}" for i in range(0, 30, 2)}
    check_invariants(local_store)


def test_email_changes_racing_creates_never_share_or_orphan_an_email(
    api: ApiClient, local_store: UserStore
) -> None:
    for round_ in range(6):
        mover = api.create_user(handle=f"from{round_}").json
        old, new = f"from{round_}@example.com", f"to{round_}@example.com"

        def act(i: int, mover: dict[str, Any] = mover, old: str = old, new: str = new) -> Reply:
            if i == 0:
                return api.patch(f"/users/{mover['id']}", json_body={"email": new})
            return api.post("/users", json_body={"email": old if i % 2 else new, "name": f"Racer {i}"})

        replies = race(9, act)
        assert all(r.status in (200, 201, 409) for r in replies), [r.status for r in replies]
    check_invariants(local_store)


def test_concurrent_retries_with_one_idempotency_key_create_one_user(
    api: ApiClient, local_store: UserStore
) -> None:
    body = {"email": "once@example.com", "name": "Once"}
    replies = race(20, lambda i: api.post("/users", json_body=body, headers={"idempotency-key": "k-123"}))
    assert {r.status for r in replies} == {201}
    assert len({r.json["id"] for r in replies}) == 1
    assert len({r.headers["etag"] for r in replies}) == 1
    assert len(check_invariants(local_store)) == 1


def test_retry_with_the_same_key_replays_the_first_answer(api: ApiClient) -> None:
    body = {"email": "replay@example.com", "name": "Replay"}
    first = api.post("/users", json_body=body, headers={"idempotency-key": "k-1"})
    again = api.post("/users", json_body=body, headers={"idempotency-key": "k-1"})
    assert again.status == first.status == 201
    assert again.json == first.json
    assert again.headers["location"] == first.headers["location"]


def test_same_key_with_another_body_returns_422_and_creates_nothing(
    api: ApiClient, local_store: UserStore
) -> None:
    api.post("/users", json_body={"email": "k@example.com", "name": "K"}, headers={"idempotency-key": "k-2"})
    reply = api.post(
        "/users", json_body={"email": "other@example.com", "name": "K"}, headers={"idempotency-key": "k-2"}
    )
    assert reply.status == 422
    assert reply.json["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(check_invariants(local_store)) == 1


def test_an_expired_idempotency_key_no_longer_replays(
    api: ApiClient, local_store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.post(
        "/users", json_body={"email": "e1@example.com", "name": "E"}, headers={"idempotency-key": "k-3"}
    )
    a_day_later = time.time() + operations.IDEMPOTENCY_TTL_SECONDS + 60
    monkeypatch.setattr(local_store, "clock", lambda: a_day_later)
    second = api.post(
        "/users", json_body={"email": "e2@example.com", "name": "E"}, headers={"idempotency-key": "k-3"}
    )
    assert first.status == second.status == 201
    assert first.json["id"] != second.json["id"]
    # The expired record was replaced by the second create's, which expires a day after it.
    records = [i for i in table_items(local_store) if i["kind"]["S"] == "idempotency"]
    assert len(records) == 1
    assert int(records[0]["expiresAt"]["N"]) > a_day_later


def test_a_key_retried_in_the_second_it_expires_is_judged_as_the_write_judges_it(
    api: ApiClient, local_store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading a record and replacing an expired one compare whole seconds alike: in the second
    # the record expires it still counts, so a different body is 422, never a 503 from the two
    # disagreeing; a second later it is gone and the key is free.
    first = {"email": "s1@example.com", "name": "S"}
    api.post("/users", json_body=first, headers={"idempotency-key": "k-5"})
    record = next(i for i in table_items(local_store) if i["kind"]["S"] == "idempotency")
    expires = int(record["expiresAt"]["N"])

    monkeypatch.setattr(local_store, "clock", lambda: expires + 0.5)
    other = {"email": "s2@example.com", "name": "S"}
    reused = api.post("/users", json_body=other, headers={"idempotency-key": "k-5"})
    assert reused.status == 422, reused

    monkeypatch.setattr(local_store, "clock", lambda: expires + 1.0)
    fresh = api.post("/users", json_body=other, headers={"idempotency-key": "k-5"})
    assert fresh.status == 201, fresh
    assert len(check_invariants(local_store)) == 2


def test_idempotency_records_carry_the_ttl_attribute_the_table_expires(
    api: ApiClient, local_store: UserStore
) -> None:
    api.post(
        "/users", json_body={"email": "ttl@example.com", "name": "T"}, headers={"idempotency-key": "k-4"}
    )
    ttl = local_store.client.describe_time_to_live(TableName=local_store.table)["TimeToLiveDescription"]
    record = next(i for i in table_items(local_store) if i["kind"]["S"] == "idempotency")
    assert ttl["AttributeName"] in record
    assert time.time() + 23 * 3600 < int(record[ttl["AttributeName"]]["N"]) <= time.time() + 24 * 3600


def test_walking_pages_during_writes_sees_each_stable_user_once(
    api: ApiClient, local_store: UserStore
) -> None:
    stable = {api.create_user(handle=f"stable{i}").json["id"] for i in range(40)}
    stop = threading.Event()

    def churn() -> None:
        n = 0
        while not stop.is_set():
            created = api.post("/users", json_body={"email": f"churn{n}@example.com", "name": "C"})
            if n % 2 and created.status == 201:
                api.delete(f"/users/{created.json['id']}")
            n += 1

    writers = [threading.Thread(target=churn) for _ in range(2)]
    for writer in writers:
        writer.start()
    try:
        seen: list[str] = []
        cursor = None
        for _ in range(200):
            params = {"limit": "7", **({"cursor": cursor} if cursor else {})}
            page = api.get("/users", params=params).json
            seen += [u["id"] for u in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert cursor is None
    assert len(seen) == len(set(seen)), "a user was listed twice"
    assert stable <= set(seen), "a user that existed throughout was missed"
    check_invariants(local_store)
