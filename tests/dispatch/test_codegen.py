"""Validators generated at build time are current, complete, and behave as compiled ones do."""

import json
import subprocess
import sys
from pathlib import Path

import fastjsonschema
import pytest

from dispatch.schema import CUSTOM_FORMATS, KNOWN_FORMATS, SchemaCheck, schema_key
from local import codegen

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "src" / "openapi.json").read_text(encoding="utf-8"))
PACKAGE = ROOT / "src" / "openapi_validators"


def test_the_generated_validators_are_current() -> None:
    expected = codegen.generate(SPEC, "openapi.json")
    present = {p.name: p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py")}
    assert present == expected, "run `make src/openapi.json` (or `python -m local.spec`) to regenerate"


def test_a_cold_start_and_invalid_requests_never_import_fastjsonschema() -> None:
    script = """
import json, sys
sys.path.insert(0, "src")
import app
event = json.load(open("events/createUser.json"))
event["body"] = json.dumps({"email": "not an email", "name": "", "tags": [1, 1], "isAdmin": True})
answer = app.handler(event, None)
assert answer["statusCode"] == 400, answer
assert len(json.loads(answer["body"])["errors"]) == 6, answer
print("fastjsonschema" in sys.modules, "boto3" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_every_format_fastjsonschema_checks_is_known_and_no_other() -> None:
    checked = {*fastjsonschema.draft07.CodeGeneratorDraft07.FORMAT_REGEXS, "regex", *CUSTOM_FORMATS}
    assert checked == KNOWN_FORMATS


def _schema_requiring(*members: str) -> object:
    """The request schema of an object that requires exactly `members` (a create's body)."""
    for schema in codegen.request_schemas(SPEC):
        if isinstance(schema, dict) and schema.get("required") == list(members):
            return schema
    raise AssertionError(f"no request schema requires {members}: update this test")


@pytest.mark.parametrize(
    ("value", "violations"),
    [
        ({"email": "a@b.co", "name": "A"}, 0),
        ({"email": "x", "name": "", "id": 1}, 3),
        ([], 1),
        ({"tags": ["a", "a"]}, 3),
    ],
    ids=["valid", "several-violations", "not-an-object", "missing-and-duplicate"],
)
def test_generated_and_runtime_compiled_validators_agree(value: object, violations: int) -> None:
    schema = _schema_requiring("email", "name")
    compiled_now = SchemaCheck(schema, "body", "body", {})  # an empty index: compiled here
    from openapi_validators import VALIDATORS  # noqa: PLC0415

    generated = SchemaCheck(schema, "body", "body", VALIDATORS)
    assert schema_key(schema) in VALIDATORS, "the generated index has no validator for it"

    checked, found = generated(json.loads(json.dumps(value)))
    assert (checked, found) == compiled_now(json.loads(json.dumps(value)))
    assert len(found) == violations, found
