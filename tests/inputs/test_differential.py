"""The dispatcher accepts and refuses exactly the requests openapi-core does, for the same spec.

Requests come from schemathesis' generators (valid and invalid, from openapi.yaml), are sent to the
dispatcher as API Gateway payload 2.0 events and to openapi-core as the HTTP request they stand for.
The operations are stubs, so only the request side is exercised. Where the two disagree on purpose,
`deliberate` says why; every other disagreement fails.
"""

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from hypothesis import assume, given
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from schemathesis.generation import GenerationMode
from werkzeug.test import EnvironBuilder

from dispatch import Api
from tests import contract
from tests.contract import SPEC
from tests.inputs.events import routed_event
from tests.inputs.examples import examples
from tests.inputs.fixtures import stub_users

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")

DISPATCHER = Api(SPEC, stub_users)
# openapi-core reads only application/json as JSON unless told; PATCH also takes merge-patch+json.
REFERENCE = OpenAPI.from_dict(
    SPEC, config=Config(extra_media_type_deserializers={"application/merge-patch+json": json.loads})
)
SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = [
    (path, method.upper(), mode)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method != "parameters"
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # An operation with no parameter and no body has no invalid request to generate.
    if mode is GenerationMode.POSITIVE
    or item.get("parameters")
    or operation.get("parameters")
    or operation.get("requestBody")
]
INTEGER_QUERY = {"limit"}
SCALAR_QUERY = {"limit", "cursor", "email"}
_WIRE_INTEGER = re.compile(r"-?[0-9]+\Z")


def wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def query_pairs(query: dict[str, Any] | None) -> list[tuple[str, str]]:
    pairs = []
    for name, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, wire(item)))
    return pairs


def deliberate(case: Any, accepted: bool) -> str | None:
    """Why the dispatcher and openapi-core disagree on this request, when that is a known choice."""
    if accepted:
        return None
    pairs = query_pairs(case.query)
    names = [name for name, _ in pairs]
    if any(names.count(name) > 1 for name in SCALAR_QUERY):
        # openapi-core keeps one of the values silently; guessing which one the client meant is worse.
        return "scalar query parameter given more than once"
    if any(name in INTEGER_QUERY and not _WIRE_INTEGER.match(value) for name, value in pairs):
        # openapi-core casts with int(), which also takes " 10", "+10", "1_0" and non-ASCII digits.
        return "integer written other than as ASCII digits"
    return None


def as_event(case: Any, template: str) -> tuple[dict[str, Any], Any]:
    """The payload 2.0 event for `case` on its spec route, and the werkzeug request for openapi-core."""
    values = {name: wire(value) for name, value in (case.path_parameters or {}).items()}
    assume(all(value and "/" not in value for value in values.values()))
    path = template.format(**values)
    pairs = query_pairs(case.query)
    headers = {name: wire(value) for name, value in (case.headers or {}).items()}
    assume(all(value.isascii() and value.isprintable() for value in headers.values()))
    assume(all(re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) for name in headers))
    body = None
    if case.media_type is not None and case.body is not schemathesis.core.NOT_SET:
        raw = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
        assume(raw.isascii() or _is_utf8(raw))
        body = raw.decode()
        headers["content-type"] = case.media_type
    raw_query = urlencode(pairs)
    event = routed_event(
        case.method, path, template, values or None, query=raw_query, headers=headers, body=body
    )
    encoded = template.format(**{name: quote(value, safe="") for name, value in values.items()})
    request = EnvironBuilder(
        method=case.method,
        path=encoded,
        query_string=raw_query,
        headers=headers,
        data=(body or "").encode(),
        base_url="http://localhost",
    ).get_request()
    return event, request


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def reference_accepts(request: Any) -> bool:
    try:
        REFERENCE.validate_request(WerkzeugOpenAPIRequest(request))
    except Exception:  # noqa: BLE001 - any validation error of openapi-core is a refusal
        return False
    return True


@pytest.mark.parametrize(("template", "method", "mode"), OPERATIONS, ids=lambda v: getattr(v, "value", v))
def test_dispatcher_accepts_what_openapi_core_accepts(
    template: str, method: str, mode: GenerationMode
) -> None:
    strategy = SCHEMA[template][method].as_strategy(generation_mode=mode)

    @given(case=strategy)
    @examples
    def agree(case: Any) -> None:
        event, request = as_event(case, template)
        response = DISPATCHER(event, None)
        contract.check(event, response)
        status = response["statusCode"]
        assert status < 300 or status in (400, 413, 415), response
        accepted, expected = status < 300, reference_accepts(request)
        if accepted == expected:
            return
        assert deliberate(case, accepted) is not None, (
            f"dispatcher {'accepted' if accepted else 'refused'} what openapi-core "
            f"{'accepted' if expected else 'refused'}: {event} -> {response}"
        )

    agree()
