"""The dispatcher's query-string reading is the standard library's form decoding, fast path or not."""

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.events import _parse_query

# Characters that matter to the parsing: separators, escapes, and ordinary text.
QUERY_TEXT = st.text(alphabet=st.sampled_from("ab=&+%2C0 x;é"), max_size=30)


@settings(max_examples=500, derandomize=True)
@given(QUERY_TEXT)
def test_query_parsing_matches_parse_qsl(raw: str) -> None:
    expected: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        expected.setdefault(name, []).append(value)
    assert _parse_query(raw) == expected
