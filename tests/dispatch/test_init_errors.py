"""What the dispatcher cannot serve or enforce fails at init, naming the place in the spec."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from dispatch import Api, SpecError
from tests.dispatch.fixtures import notes

BASE = yaml.safe_load((Path(__file__).parent / "fixtures" / "notes.yaml").read_text())


def spec_with(change: Any) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    change(spec)
    return spec


def body_schema(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["paths"]["/notes"]["post"]["requestBody"]["content"]["application/vnd.notes+json"]["schema"]


CASES = {
    "operation-without-function": (
        lambda s: s["paths"]["/notes/mine"]["get"].update(operationId="archiveNotes"),
        "#/paths/~1notes~1mine/get/operationId",
        "archive_notes",
    ),
    "unknown-format": (
        lambda s: body_schema(s)["properties"].update(when={"type": "string", "format": "unix-time"}),
        "properties/when/format",
        "unix-time",
    ),
    "keyword-outside-openapi": (
        lambda s: body_schema(s)["properties"].update(kind={"const": "x"}),
        "properties/kind/const",
        "const",
    ),
    "remote-reference": (
        lambda s: body_schema(s)["properties"].update(other={"$ref": "other.yaml#/Thing"}),
        "properties/other",
        "only local references",
    ),
    "binary-body": (
        lambda s: s["paths"]["/notes"]["post"]["requestBody"]["content"].update(
            {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
        ),
        "requestBody/content/application/octet-stream",
        "only JSON request bodies",
    ),
    "deep-object-style": (
        lambda s: s["paths"]["/notes"]["get"]["parameters"].append(
            {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}}
        ),
        "parameters/5/style",
        "deepObject",
    ),
    "function-missing-an-argument": (
        lambda s: s["paths"]["/notes/mine"]["get"].update(
            parameters=[{"name": "owner", "in": "query", "schema": {"type": "string"}}]
        ),
        "#/paths/~1notes~1mine/get",
        "takes no argument owner",
    ),
    "invalid-pattern": (
        lambda s: body_schema(s)["properties"]["text"].update(pattern="[unclosed"),
        "properties/text/pattern",
        "regular expression",
    ),
    "recursive-schema": (
        lambda s: (
            s.setdefault("components", {})
            .setdefault("schemas", {})
            .update(Tree={"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Tree"}}}),
            body_schema(s)["properties"].update(tree={"$ref": "#/components/schemas/Tree"}),
        ),
        "#/components/schemas/Tree",
        "recursive",
    ),
    "path-parameter-not-declared": (
        lambda s: s["paths"]["/notes/{noteId}"].update(parameters=[]),
        "#/paths/~1notes~1{noteId}/get",
        "do not match the template",
    ),
}


@pytest.mark.parametrize(("change", "where", "says"), CASES.values(), ids=CASES.keys())
def test_unservable_spec_fails_at_init_with_its_location(change: Any, where: str, says: str) -> None:
    with pytest.raises(SpecError) as caught:
        Api(spec_with(change), notes)
    assert where in caught.value.where
    assert says in str(caught.value)


def test_the_unchanged_fixture_spec_compiles() -> None:
    Api(BASE, notes)


def test_the_users_spec_compiles_against_the_users_operations() -> None:
    import app  # noqa: PLC0415 - importing the handler module is what is under test

    assert isinstance(app.handler, Api)


def test_the_functions_json_copy_of_the_spec_is_current() -> None:
    root = Path(__file__).resolve().parents[2]
    from local.spec import load_yaml_spec, render  # noqa: PLC0415

    assert (root / "src" / "openapi.json").read_text(encoding="utf-8") == render(load_yaml_spec())
