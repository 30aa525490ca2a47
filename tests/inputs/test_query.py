"""Query strings in every form API Gateway delivers them: folded, multi-valued, raw."""

from typing import Any

import pytest

from tests.client import ApiClient
from tests.inputs.conftest import RecordingStore
from tests.inputs.events import http_event, rest_event


def scan_arguments(recorder: RecordingStore) -> tuple[int, list[str]]:
    """(limit, tags) the list operation asked storage for."""
    (args,) = [args for name, args in recorder.calls if name == "scan"]
    return args[0], list(args[2])


def with_query(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    event.update(fields)
    return event


REST_LIMIT = [
    pytest.param(
        {"queryStringParameters": {"limit": "25"}, "multiValueQueryStringParameters": {"limit": ["25"]}},
        id="both-maps",
    ),
    pytest.param(
        {"queryStringParameters": {"limit": "25"}, "multiValueQueryStringParameters": None},
        id="single-map-only",
    ),
    pytest.param(
        {"queryStringParameters": None, "multiValueQueryStringParameters": {"limit": ["25"]}},
        id="multi-map-only",
    ),
]


@pytest.mark.parametrize("maps", REST_LIMIT)
def test_rest_limit_is_read_from_whichever_map_carries_it(
    users: ApiClient, recorder: RecordingStore, maps: dict[str, Any]
) -> None:
    event = with_query(rest_event("GET", "/users"), **maps)
    assert users.send(event).status == 200
    assert scan_arguments(recorder)[0] == 25


def events_for(query: str) -> list[dict[str, Any]]:
    """The same query as an HTTP API (2.0) and a REST API (1.0) deliver it."""
    pairs = [part.partition("=")[::2] for part in query.split("&") if part]
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    v2 = http_event("GET", "/users", query=query)
    v2["queryStringParameters"] = {name: ",".join(values) for name, values in multi.items()}
    return [v2, rest_event("GET", "/users", query=multi)]


@pytest.mark.parametrize(
    ("query", "limit", "tags"),
    [
        ("tag=a&tag=b&limit=10", 10, ["a", "b"]),
        ("limit=10&tag=a&tag=b", 10, ["a", "b"]),
        ("tag=a", 20, ["a"]),
        ("limit=1", 1, []),
        ("limit=100", 100, []),
        ("limit=007", 7, []),
    ],
    ids=["tags-then-limit", "limit-then-tags", "one-tag-default-limit", "lowest", "highest", "leading-zeros"],
)
def test_valid_query_reaches_storage_typed(
    users: ApiClient, recorder: RecordingStore, query: str, limit: int, tags: list[str]
) -> None:
    for event in events_for(query):
        recorder.forget()
        assert users.send(event).status == 200
        assert scan_arguments(recorder) == (limit, tags)


@pytest.mark.parametrize(
    "query",
    [
        "limit=10.0",
        "limit=1e1",
        "limit=abc",
        "limit=",
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=+10",
        "limit=%2010",
        "limit=0x10",
        "limit=1_0",
        "limit=%EF%BC%91%EF%BC%90",
    ],
    ids=[
        "decimal-point",
        "exponent",
        "letters",
        "empty",
        "zero",
        "above-maximum",
        "negative",
        "plus-sign",
        "leading-space",
        "hex",
        "underscore",
        "fullwidth-digits",
    ],
)
def test_limit_that_is_not_an_integer_in_range_is_400_naming_it(storeless_api: ApiClient, query: str) -> None:
    for event in events_for(query):
        reply = storeless_api.send(event)
        assert reply.status == 400, reply
        assert reply.names("query") == {"limit"}


def test_limit_given_twice_is_refused_alike_in_both_formats(storeless_api: ApiClient) -> None:
    # The documented rule: a scalar given twice is an error, not a guess at which one was meant.
    replies = [storeless_api.send(event) for event in events_for("limit=10&limit=20")]
    assert [r.status for r in replies] == [400, 400]
    assert [r.violations for r in replies] == [
        [{"in": "query", "name": "limit", "message": "must be given once"}]
    ] * 2


@pytest.mark.parametrize(
    ("raw", "folded", "tags"),
    [
        ("tag=a&tag=b", {"tag": "a,b"}, ["a", "b"]),
        ("tag=a%2Cb", {"tag": "a,b"}, ["a,b"]),
        ("tag=a%2Cb&tag=c", {"tag": "a,b,c"}, ["a,b", "c"]),
        ("tag=a&tag=b", {"tag": "b"}, ["a", "b"]),
        ("tag=a+b&tag=%26", {"tag": "a b,&"}, ["a b", "&"]),
    ],
    ids=[
        "repeated-key",
        "escaped-comma-is-one-tag",
        "escaped-comma-and-another",
        "folded-map-disagrees",
        "plus-and-ampersand",
    ],
)
def test_http_api_raw_query_string_is_the_truth(
    users: ApiClient, recorder: RecordingStore, raw: str, folded: dict[str, str], tags: list[str]
) -> None:
    event = http_event("GET", "/users", query=raw)
    event["queryStringParameters"] = folded
    assert users.send(event).status == 200
    assert scan_arguments(recorder)[1] == tags


def test_rest_tag_with_a_comma_in_it_stays_one_tag(users: ApiClient, recorder: RecordingStore) -> None:
    assert users.send(rest_event("GET", "/users", query={"tag": ["a,b"]})).status == 200
    assert scan_arguments(recorder)[1] == ["a,b"]
