"""The Users API end to end through the Lambda handler, on moto and on DynamoDB Local."""

import base64
import json

import pytest

from tests.client import ApiClient
from users import operations
from users.storage import UserStore


def test_health_answers_ok_without_storage(storeless_api: ApiClient) -> None:
    reply = storeless_api.get("/health")
    assert reply.status == 200
    assert reply.json == {"status": "ok"}


def test_create_user_returns_201_with_location_etag_and_defaults(api: ApiClient) -> None:
    reply = api.post("/users", json_body={"email": "ana@example.com", "name": "Ana Lima"})
    assert reply.status == 201
    user = reply.json
    assert reply.headers["location"] == f"/users/{user['id']}"
    assert reply.headers["etag"] == '"1"'
    assert user["locale"] == "en"
    assert user["tags"] == []
    assert user["createdAt"] == user["updatedAt"]
    assert "bio" not in user


def test_created_user_can_be_read_back_with_the_same_etag(api: ApiClient) -> None:
    created = api.create_user(bio="Tea.", locale="pt-BR", tags=["admin", "beta"])
    reply = api.get(f"/users/{created.json['id']}")
    assert reply.status == 200
    assert reply.json == created.json
    assert reply.headers["etag"] == created.headers["etag"]


def test_create_user_with_taken_email_in_other_case_returns_409(api: ApiClient) -> None:
    api.create_user(email="Ana@Example.com")
    reply = api.post("/users", json_body={"email": "  aNA@example.COM ", "name": "Another"})
    assert reply.status == 409
    assert reply.json["code"] == "EMAIL_TAKEN"


def test_invalid_body_returns_400_listing_every_violation(api: ApiClient) -> None:
    body = {"email": "not an email", "name": "", "locale": "english", "tags": ["a", "a"], "isAdmin": True}
    reply = api.post("/users", json_body=body)
    assert reply.status == 400
    assert reply.json["code"] == "VALIDATION_ERROR"
    assert reply.names("body") == {"email", "name", "locale", "tags", "isAdmin"}


def test_missing_required_members_are_each_named(api: ApiClient) -> None:
    reply = api.post("/users", json_body={})
    assert reply.status == 400
    assert reply.names("body") == {"email", "name"}


@pytest.mark.parametrize("member", ["id", "createdAt", "updatedAt"])
def test_server_owned_members_in_a_create_are_refused(api: ApiClient, member: str) -> None:
    reply = api.post("/users", json_body={"email": "a@example.com", "name": "A", member: "x"})
    assert reply.status == 400
    assert reply.names() == {member}
    assert api.get("/users").json["items"] == []


def test_get_unknown_user_returns_404(api: ApiClient) -> None:
    reply = api.get("/users/no-such-user")
    assert reply.status == 404
    assert reply.json["code"] == "NOT_FOUND"


def test_merge_patch_changes_given_members_and_removes_nulls(api: ApiClient) -> None:
    user = api.create_user(bio="Old bio", tags=["x"]).json
    reply = api.patch(
        f"/users/{user['id']}",
        body='{"name": "Ana L.", "bio": null, "tags": null}',
        headers={"content-type": "application/merge-patch+json"},
    )
    assert reply.status == 200
    assert reply.json["name"] == "Ana L."
    assert "bio" not in reply.json
    assert reply.json["tags"] == []
    assert reply.json["email"] == user["email"]
    assert reply.headers["etag"] == '"2"'
    assert reply.json["updatedAt"] >= user["updatedAt"]
    assert api.get(f"/users/{user['id']}").json == reply.json


@pytest.mark.parametrize("member", ["email", "name", "locale"])
def test_patch_cannot_remove_a_required_member(api: ApiClient, member: str) -> None:
    user = api.create_user().json
    reply = api.patch(f"/users/{user['id']}", json_body={member: None})
    assert reply.status == 400
    assert reply.names("body") == {member}
    assert api.get(f"/users/{user['id']}").json == user


def test_patch_with_stale_if_match_returns_412_and_changes_nothing(api: ApiClient) -> None:
    user = api.create_user().json
    path = f"/users/{user['id']}"
    assert api.patch(path, json_body={"name": "First"}, headers={"if-match": '"1"'}).status == 200
    reply = api.patch(path, json_body={"name": "Second"}, headers={"if-match": '"1"'})
    assert reply.status == 412
    assert reply.json["code"] == "PRECONDITION_FAILED"
    assert api.get(path).json["name"] == "First"


def test_patch_to_an_email_taken_by_another_user_returns_409(api: ApiClient) -> None:
    api.create_user(handle="taken")
    user = api.create_user(handle="mine").json
    reply = api.patch(f"/users/{user['id']}", json_body={"email": "TAKEN@example.com"})
    assert reply.status == 409
    assert api.get(f"/users/{user['id']}").json["email"] == "mine@example.com"


def test_changing_email_frees_the_old_one(api: ApiClient) -> None:
    user = api.create_user(handle="old").json
    assert api.patch(f"/users/{user['id']}", json_body={"email": "new@example.com"}).status == 200
    assert api.post("/users", json_body={"email": "old@example.com", "name": "B"}).status == 201
    assert api.post("/users", json_body={"email": "new@example.com", "name": "C"}).status == 409


def test_changing_only_the_case_of_an_email_keeps_it(api: ApiClient) -> None:
    user = api.create_user(handle="case").json
    reply = api.patch(f"/users/{user['id']}", json_body={"email": "CASE@example.com"})
    assert reply.status == 200
    assert reply.json["email"] == "CASE@example.com"
    assert api.post("/users", json_body={"email": "case@example.com", "name": "B"}).status == 409


def test_patch_of_unknown_user_returns_404_and_creates_nothing(api: ApiClient) -> None:
    reply = api.patch("/users/ghost", json_body={"name": "Ghost"})
    assert reply.status == 404
    assert api.get("/users").json["items"] == []


def test_delete_returns_204_then_the_user_is_gone_and_its_email_free(api: ApiClient) -> None:
    user = api.create_user(handle="gone").json
    reply = api.delete(f"/users/{user['id']}")
    assert reply.status == 204
    assert reply.text == ""
    assert api.get(f"/users/{user['id']}").status == 404
    assert api.delete(f"/users/{user['id']}").status == 404
    assert api.post("/users", json_body={"email": "gone@example.com", "name": "Again"}).status == 201


def test_delete_with_stale_if_match_returns_412_and_keeps_the_user(api: ApiClient) -> None:
    user = api.create_user().json
    api.patch(f"/users/{user['id']}", json_body={"name": "Changed"})
    reply = api.delete(f"/users/{user['id']}", headers={"if-match": '"1"'})
    assert reply.status == 412
    assert api.get(f"/users/{user['id']}").status == 200
    assert api.delete(f"/users/{user['id']}", headers={"if-match": '"2"'}).status == 204


def test_list_pages_visit_every_user_exactly_once(api: ApiClient) -> None:
    created = {api.create_user(handle=f"user{i}").json["id"] for i in range(13)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        page = api.get("/users", params=params).json
        assert len(page["items"]) <= 5
        seen += [user["id"] for user in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
        assert pages < 10
    assert sorted(seen) == sorted(created)
    assert pages >= 3


def _walk(api: ApiClient, limit: int, query: str = "") -> tuple[list[str], list[str]]:
    """The ids on every page of a list, following nextCursor to the end, and the cursors given."""
    seen: list[str] = []
    cursors: list[str] = []
    cursor = None
    while True:
        resume = f"cursor={cursor}" if cursor else ""
        reply = api.get("/users", query="&".join(filter(None, [query, f"limit={limit}", resume])))
        assert reply.status == 200, reply
        seen += [user["id"] for user in reply.json["items"]]
        cursor = reply.json["nextCursor"]
        if cursor is None:
            return seen, cursors
        cursors.append(cursor)


def _cursor_text(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def test_a_page_may_end_on_any_kind_of_item_and_its_cursor_is_accepted(
    api: ApiClient, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN users created with Idempotency-Key: the table holds users, email markers and records
    keys = [f"secret-{i}" for i in range(5)] + ['"\\' * 127 + '"']
    created = set()
    for i, key in enumerate(keys):
        body = {"email": f"key{i}@example.com", "name": "K", "tags": ["t"]}
        created.add(api.post("/users", json_body=body, headers={"idempotency-key": key}).json["id"])
    items_in_table = 3 * len(keys)
    # AND list requests that read one item each, so each page ends on the next item of the table
    monkeypatch.setattr(operations, "store", UserStore(store.table, store.client, read_per_list=1))

    # WHEN the pages are walked, with a filter no user matches and without
    for query, expected in (("tag=nobody", set()), ("", created), ("tag=t", created)):
        seen, cursors = _walk(api, 5, query)
        # THEN every cursor is accepted, every user is seen once, a page ends on each item in turn
        assert sorted(seen) == sorted(expected)
        assert len(cursors) >= items_in_table - 1
        # AND no cursor gives away another client's Idempotency-Key
        texts = [_cursor_text(cursor) for cursor in cursors]
        assert any(text.startswith('{"pk":"IDEMPOTENCY#') for text in texts)
        assert not [key for key in keys for text in texts if key in text or json.dumps(key)[1:-1] in text]


@pytest.mark.parametrize("key", ["café", "tab\there", "k\u0000"], ids=["non-ascii", "tab", "nul"])
def test_an_idempotency_key_that_is_not_printable_ascii_returns_400(
    storeless_api: ApiClient, key: str
) -> None:
    body = {"email": "ana@example.com", "name": "Ana"}
    reply = storeless_api.post("/users", json_body=body, headers={"idempotency-key": key})
    assert reply.status == 400
    assert reply.names("header") == {"Idempotency-Key"}


def test_list_defaults_to_a_page_of_20(api: ApiClient) -> None:
    for i in range(21):
        api.create_user(handle=f"u{i}")
    page = api.get("/users").json
    assert len(page["items"]) == 20
    assert page["nextCursor"] is not None


def test_list_filters_by_email_ignoring_case(api: ApiClient) -> None:
    wanted = api.create_user(handle="Wanted").json
    api.create_user(handle="other")
    page = api.get("/users", params={"email": "WANTED@example.com"}).json
    assert page == {"items": [wanted], "nextCursor": None}
    assert api.get("/users", params={"email": "nobody@example.com"}).json["items"] == []


def test_list_filters_by_all_given_tags(api: ApiClient) -> None:
    both = api.create_user(handle="both", tags=["a", "b"]).json
    api.create_user(handle="only-a", tags=["a"])
    api.create_user(handle="none")
    page = api.get("/users", query="tag=a&tag=b").json
    assert [u["id"] for u in page["items"]] == [both["id"]]


@pytest.mark.parametrize(
    "cursor",
    ["garbage!", "eyJwayI6IDF9", "eyJway", "eyJhIjoiYiJ9", "W10"],
    ids=["not-base64", "pk-not-string", "truncated", "unknown-key", "json-array"],
)
def test_forged_or_garbled_cursor_returns_400(api: ApiClient, cursor: str) -> None:
    reply = api.get("/users", params={"cursor": cursor})
    assert reply.status == 400
    assert reply.names("query") == {"cursor"}


@pytest.mark.parametrize("limit", ["0", "101", "abc", "10.0", "1e1", ""])
def test_limit_outside_1_to_100_or_not_an_integer_returns_400(storeless_api: ApiClient, limit: str) -> None:
    reply = storeless_api.get("/users", query=f"limit={limit}")
    assert reply.status == 400
    assert reply.names("query") == {"limit"}
