"""Inputs meant to hurt: each is refused with a clear, bounded 4xx, never a 500 or a flood."""

import time

import pytest

from dispatch import Api, Cors
from tests import contract
from tests.client import ApiClient, http_event
from tests.contract import SPEC
from tests.inputs.fixtures import stub_users


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "d@x.co", "name": "D", "tags": ' + "[" * 498 + "]" * 498 + "}",
        '{"email": "d@x.co", "name": "D", "tags": ' + "[" * 70 + "]" * 70 + "}",
        "[" * 100_000,
    ],
    ids=["nested-498-deep", "nested-70-deep", "unclosed-100k-deep"],
)
def test_deeply_nested_json_is_a_400(storeless_api: ApiClient, body: str) -> None:
    reply = storeless_api.post("/users", body=body, headers={"content-type": "application/json"})
    assert reply.status == 400
    assert "nested" in reply.violations[0]["message"]
    assert "recursion" not in reply.text


@pytest.mark.parametrize(
    ("number", "says"),
    [("1E+99999999999999999999999", "out of range"), ("1" * 5000, "too many digits")],
    ids=["exponent-beyond-decimal", "5000-digit-integer"],
)
def test_numbers_no_json_peer_could_read_are_a_400_in_plain_words(
    storeless_api: ApiClient, number: str, says: str
) -> None:
    body = '{"email": "n@x.co", "name": ' + number + "}"
    reply = storeless_api.post("/users", body=body, headers={"content-type": "application/json"})
    assert reply.status == 400
    assert says in reply.violations[0]["message"]
    assert "sys.set_int_max_str_digits" not in reply.text


@pytest.mark.parametrize("limit", ["1" * 5000, "0" * 4300 + "5"], ids=["5000-digits", "padded-with-zeros"])
def test_a_limit_with_thousands_of_digits_is_a_400(storeless_api: ApiClient, limit: str) -> None:
    reply = storeless_api.get("/users", query=f"limit={limit}")
    assert reply.status == 400
    assert reply.names("query") == {"limit"}


@pytest.mark.parametrize("tag", ['"²"', '"①"', '"03"', '" 3"', 'W/"3"'], ids=repr)
def test_if_match_tags_that_are_not_exactly_ours_never_match(api: ApiClient, tag: str) -> None:
    user = api.create_user().json
    for _ in range(2):
        api.patch(f"/users/{user['id']}", json_body={"bio": "x"})  # now at version 3
    assert api.patch(f"/users/{user['id']}", json_body={"bio": "y"}, headers={"if-match": tag}).status == 412
    assert api.delete(f"/users/{user['id']}", headers={"if-match": tag}).status == 412


def test_a_flood_of_violations_gets_a_bounded_answer_quickly(storeless_api: ApiClient) -> None:
    body = '{"email": "t@x.co", "name": "T", "tags": [' + ",".join(["1"] * 100_000) + "]}"
    started = time.perf_counter()
    reply = storeless_api.post("/users", body=body, headers={"content-type": "application/json"})
    elapsed = time.perf_counter() - started
    assert reply.status == 400
    assert len(reply.violations) <= 52
    assert reply.violations[-1]["message"].startswith("and ")
    assert len(reply.text) < 20_000
    assert elapsed < 5, f"{elapsed:.1f} s"  # generous: the point is seconds, not minutes


def test_a_body_of_sixty_thousand_unknown_members_gets_a_bounded_answer(storeless_api: ApiClient) -> None:
    # One schema error (additionalProperties) standing for 60,000 violations: listing them all
    # would make a response of megabytes, past what Lambda may return (6 MB).
    members = ",".join(f'"m{n}":0' for n in range(60_000))
    body = '{"email": "t@x.co", "name": "T", ' + members + "}"
    reply = storeless_api.post("/users", body=body, headers={"content-type": "application/json"})
    assert reply.status == 400
    assert len(reply.violations) == 51
    assert reply.violations[0] == {"in": "body", "name": "m0", "message": "is not a known member"}
    assert reply.violations[-1]["message"] == "and 59950 more violations, not listed"
    assert len(reply.text) < 20_000


def test_vary_origin_is_sent_to_allowed_and_other_origins_alike() -> None:
    api = Api(SPEC, stub_users, cors=Cors(frozenset({"https://app.example.com"})))
    for origin in ("https://app.example.com", "https://evil.example.net"):
        event = http_event("GET", "/health", headers={"origin": origin})
        answer = api(event)
        contract.check(event, answer)
        assert answer["headers"]["Vary"] == "Origin"
