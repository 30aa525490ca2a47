"""Numbers travel JSON -> operation -> DynamoDB -> JSON exactly: no binary float on the way."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from dispatch import Api, jsonio
from tests.client import Reply, http_event
from tests.inputs.examples import examples
from tests.inputs.fixtures import readings
from users.storage import UserStore

SPEC = yaml.safe_load((Path(__file__).parent / "fixtures" / "readings.yaml").read_text(encoding="utf-8"))

NUMBERS = [
    pytest.param("30", "30", id="integer"),
    pytest.param("-7", "-7", id="negative-integer"),
    pytest.param("30.0", "30", id="integral-decimal-as-integer"),
    pytest.param("1e2", "100", id="integral-exponent-as-integer"),
    pytest.param("0.1", "0.1", id="tenth"),
    pytest.param("30.5", "30.5", id="half"),
    pytest.param("12345678901234567890", "12345678901234567890", id="beyond-int64"),
    pytest.param("0.12345678901234567", "0.12345678901234567", id="seventeen-significant-digits"),
    pytest.param("123456789.123456789", "123456789.123456789", id="eighteen-significant-digits"),
]


@pytest.mark.parametrize(("text", "written"), NUMBERS)
def test_jsonio_reads_no_float_and_writes_the_number_back_exactly(text: str, written: str) -> None:
    value = jsonio.loads(text)
    assert not isinstance(value, float)
    assert jsonio.dumps(value) == written


@given(st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False, places=None)))
@examples
def test_any_finite_number_reads_back_equal_and_never_as_float(number: int | Decimal) -> None:
    text = str(number) if not isinstance(number, Decimal) else format(number, "f")
    value = jsonio.loads(text)
    assert not isinstance(value, float)
    assert value == number
    assert jsonio.loads(jsonio.dumps(value)) == number


@pytest.mark.parametrize(("text", "written"), NUMBERS)
def test_dynamodb_keeps_a_number_exactly(store: UserStore, text: str, written: str) -> None:
    # GIVEN a stored record with a number read from JSON (a Decimal or int, as jsonio gives it)
    user = {
        "id": "n-1",
        "email": "n@example.com",
        "name": "N",
        "tags": [],
        "version": 1,
        "score": jsonio.loads(text),
    }
    store.create(user)
    # WHEN it is read back THEN the number is the same, and written as JSON the same way
    back = store.get("n-1")
    assert back is not None
    assert back["score"] == jsonio.loads(text)
    assert jsonio.dumps(back["score"]) == written
    assert jsonio.dumps(back["version"]) == "1"


def test_integers_and_decimals_reach_the_operation_typed_and_come_back_unchanged() -> None:
    handler = Api(SPEC, readings)
    event = http_event(
        "POST", "/readings", body='{"value": 30.5, "count": 30}', headers={"content-type": "application/json"}
    )
    created = Reply(handler(event, None))
    assert created.status == 201
    assert created.json["types"] == {"value": "Decimal", "count": "int"}
    assert created.text.startswith('{"received":{"value":30.5,"count":30}')
    latest = Reply(handler(http_event("GET", "/readings/latest"), None))
    assert latest.text == '{"value":30.5,"count":30}'


@pytest.mark.parametrize(("query", "above"), [("above=0.1", "0.1"), ("above=30", "30"), ("above=1e2", "100")])
def test_number_query_parameter_arrives_as_decimal(query: str, above: str) -> None:
    reply = Reply(Api(SPEC, readings)(http_event("GET", "/readings", query=query), None))
    assert reply.json["aboveType"] == "Decimal"
    assert reply.text.count(f'"above":{above},') == 1
