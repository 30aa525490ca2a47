"""Writes that lose a race are tried again a bounded number of times, with pauses that grow."""

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

import app
from tests.api.offline import USER_ID, offline_client
from tests.client import ApiClient
from users import operations
from users.storage import UserStore

STORED_USER = {
    "pk": {"S": f"USER#{USER_ID}"},
    "kind": {"S": "user"},
    "id": {"S": USER_ID},
    "email": {"S": "ada@example.com"},
    "name": {"S": "Ada"},
    "locale": {"S": "en"},
    "tags": {"L": []},
    "version": {"N": "1"},
    "createdAt": {"S": "2026-01-01T00:00:00.000Z"},
    "updatedAt": {"S": "2026-01-01T00:00:00.000Z"},
}


class Pauses:
    """A sleep that records how long it was asked to wait, and does not wait."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def pauses() -> Pauses:
    return Pauses()


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch, pauses: Pauses) -> Iterator[Stubber]:
    client = offline_client()
    monkeypatch.setattr(operations, "store", UserStore("users", client, sleep=pauses))
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def api() -> ApiClient:
    return ApiClient(app.handler)


def conflict(stubber: Stubber, *reasons: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        modeled_fields={"CancellationReasons": [{"Code": code} for code in reasons]},
    )


def test_a_create_colliding_with_other_transactions_is_tried_again(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    conflict(stubbed, "TransactionConflict", "None")
    conflict(stubbed, "None", "TransactionConflict")
    stubbed.add_response("transact_write_items", {})

    reply = api.post("/users", json_body={"email": "ada@example.com", "name": "Ada"})

    assert reply.status == 201, reply
    assert len(pauses.seconds) == 2
    assert 0.01 <= pauses.seconds[0] <= 0.05
    assert 0.02 <= pauses.seconds[1] <= 0.10


def test_a_create_that_keeps_colliding_gives_up_with_a_503(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    for _ in range(4):
        conflict(stubbed, "TransactionConflict", "None")

    reply = api.post("/users", json_body={"email": "ada@example.com", "name": "Ada"})

    assert reply.status == 503, reply
    assert reply.json["code"] == "SERVICE_UNAVAILABLE"
    assert len(pauses.seconds) == 3  # four tries, a pause between each two, none after the last


def test_a_collision_that_also_failed_a_condition_is_answered_not_retried(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    conflict(stubbed, "None", "ConditionalCheckFailed")

    reply = api.post("/users", json_body={"email": "ada@example.com", "name": "Ada"})

    assert reply.status == 409, reply
    assert pauses.seconds == []


def test_an_email_change_that_keeps_losing_to_other_writers_gives_up_with_a_503(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    # Without If-Match each lost race reads the user again and retries; the version check fails
    # every time, as if another writer always got there first.
    for _ in range(10):
        stubbed.add_response("get_item", {"Item": STORED_USER})
        conflict(stubbed, "ConditionalCheckFailed", "None", "None")

    reply = api.patch(f"/users/{USER_ID}", json_body={"email": "lovelace@example.com"})

    assert reply.status == 503, reply
    # Ten tries and nine pauses, jittered from zero under a ceiling that doubles from 10 ms and
    # stops at 320 ms: under two seconds of waiting in all.
    ceilings = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.32, 0.32, 0.32]
    assert len(pauses.seconds) == len(ceilings)
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(pauses.seconds, ceilings, strict=True))


def test_an_email_change_with_if_match_that_loses_the_race_is_412_at_once(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    stubbed.add_response("get_item", {"Item": STORED_USER})
    conflict(stubbed, "ConditionalCheckFailed", "None", "None")

    reply = api.patch(
        f"/users/{USER_ID}", json_body={"email": "lovelace@example.com"}, headers={"If-Match": '"1"'}
    )

    assert reply.status == 412, reply
    assert pauses.seconds == []


def test_a_patch_that_meets_another_requests_transaction_is_tried_again(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    # A name-only patch is one UpdateItem; an email change or a delete of the same user holds the
    # item in a transaction for a moment, and DynamoDB refuses the UpdateItem meanwhile.
    for _ in range(2):
        stubbed.add_client_error("update_item", service_error_code="TransactionConflictException")
    stubbed.add_response("update_item", {"Attributes": {**STORED_USER, "name": {"S": "Bea"}}})

    reply = api.patch(f"/users/{USER_ID}", json_body={"name": "Bea"})

    assert reply.status == 200, reply
    assert reply.json["name"] == "Bea"
    assert len(pauses.seconds) == 2


def test_a_patch_that_keeps_meeting_transactions_gives_up_with_a_503(
    api: ApiClient, stubbed: Stubber, pauses: Pauses
) -> None:
    for _ in range(4):
        stubbed.add_client_error("update_item", service_error_code="TransactionConflictException")

    reply = api.patch(f"/users/{USER_ID}", json_body={"name": "Bea"})

    assert reply.status == 503, reply
    assert "TransactionConflict" not in reply.text
    assert len(pauses.seconds) == 3
