"""schemathesis runs all its checks against the handler, served in-process by the local API on moto."""

import json
from collections.abc import Callable, Iterable
from typing import Any

import schemathesis
from hypothesis import settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

import app
from local.server import LocalApi
from tests.client import ApiClient
from tests.contract import SPEC
from tests.inputs.examples import MAX_EXAMPLES, examples

SCHEMA_PATH = "/openapi.json"
# Each case is a real request to moto, so fewer of them than the pure property tests run.
CASES_PER_OPERATION = max(10, MAX_EXAMPLES // 4)


class ServedSpec:
    """The local API's WSGI app (the handler behind the API Gateway stand-in), also serving the spec."""

    def __init__(self, api: Callable[..., Iterable[bytes]]) -> None:
        self.api = api

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == SCHEMA_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(SPEC).encode()]
        return self.api(environ, start_response)


schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, ServedSpec(LocalApi(app.handler)))


@schema.parametrize()
@settings(examples, max_examples=CASES_PER_OPERATION)
def test_handler_passes_every_schemathesis_check(case: Any, users: ApiClient) -> None:
    excluded = []
    # Whether these are acceptable depends on what came before, which no schema can say: a cursor
    # is valid only if this API issued it (any other string is a 400, as the contract requires),
    # and an Idempotency-Key already used with another body is a 422.
    if (case.query and "cursor" in case.query) or (case.headers and "Idempotency-Key" in case.headers):
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)
