"""Compiled JSON Schema checks that report every violation, not only the first.

fastjsonschema turns a schema into Python code once, at init, and stops at the first error. Valid
requests, the common case, take only that fast path. When it fails, the value is walked member by
member (and item by item) with validators of the sub-schemas, compiled the first time they are
needed, so a 400 can name each thing that is wrong.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

import fastjsonschema

from dispatch.problems import Violation

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from dispatch.problems import Location

    Validate = Callable[[Any], Any]


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


CUSTOM_FORMATS = {"byte": _is_base64}
KNOWN_FORMATS = frozenset(
    {*fastjsonschema.draft07.CodeGeneratorDraft07.FORMAT_REGEXS, "regex", *CUSTOM_FORMATS}
)
_DRAFT = "http://json-schema.org/draft-07/schema#"
_OBJECT_KEYS = ("properties", "required", "additionalProperties")
_COMPOSITIONS = ("allOf", "anyOf", "oneOf", "not")


def compile_schema(schema: Any) -> Validate:
    if isinstance(schema, dict):
        schema = {"$schema": _DRAFT, **schema}
    return fastjsonschema.compile(schema, formats=CUSTOM_FORMATS, use_default=True)


def member_name(root: str, path: Sequence[str | int]) -> str:
    """`tags[2]`, `address.city`; the root name alone for the value itself."""
    name = "" if root == "body" and path else root
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


class SchemaCheck:
    """One schema, checked at the speed of fastjsonschema, explained in full when it fails."""

    def __init__(self, schema: Any, location: Location, name: str) -> None:
        self._schema = schema
        self._location: Location = location
        self._name = name
        self._validate = compile_schema(schema)
        self._parts: dict[int, Validate] = {}

    def __call__(self, value: Any) -> tuple[Any, list[Violation]]:
        """The value with defaults filled in, and the violations (none when valid)."""
        try:
            return self._validate(value), []
        except fastjsonschema.JsonSchemaValueException:
            return value, list(self._explain(self._schema, value, []))

    def _part(self, schema: Any) -> Validate:
        key = id(schema)
        if key not in self._parts:
            self._parts[key] = compile_schema(schema)
        return self._parts[key]

    def _violation(self, path: Sequence[str | int], message: str) -> Violation:
        return Violation(self._location, member_name(self._name, path), message)

    def _explain(self, schema: Any, value: Any, path: list[str | int]) -> list[Violation]:
        found: list[Violation] = []
        if isinstance(schema, dict) and value is not None and _is_nullable_wrapper(schema):
            return self._explain(schema["anyOf"][1], value, path)
        walkable = isinstance(schema, dict) and not any(k in schema for k in _COMPOSITIONS)
        if walkable and isinstance(value, dict) and schema.get("type") in ("object", None):
            rest = {k: v for k, v in schema.items() if k not in _OBJECT_KEYS}
            found += self._first_error(rest, value, path)
            found += self._explain_members(schema, value, path)
        elif walkable and isinstance(value, list) and schema.get("type") == "array":
            rest = {k: v for k, v in schema.items() if k != "items"}
            found += self._first_error(rest, value, path)
            for index, item in enumerate(value):
                found += self._explain(schema["items"], item, [*path, index])
        else:
            found += self._first_error(schema, value, path)
        return found

    def _explain_members(
        self, schema: dict[str, Any], value: dict[str, Any], path: list[str | int]
    ) -> list[Violation]:
        found: list[Violation] = []
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name in schema.get("required", ()):
            if name not in value:
                found.append(self._violation([*path, name], "is required"))
        for name, member in value.items():
            sub = properties.get(name, extra)
            if sub is False:
                message = "may not be sent" if name in properties else "is not a known member"
                found.append(self._violation([*path, name], message))
            elif sub is not True:
                found += self._explain(sub, member, [*path, name])
        return found

    def _first_error(self, schema: Any, value: Any, path: list[str | int]) -> list[Violation]:
        if schema in ({}, {"type": "object"}, {"type": "array"}) and isinstance(value, dict | list):
            return []
        try:
            self._part(schema)(value)
        except fastjsonschema.JsonSchemaValueException as error:
            where = [*path, *error.path[1:]]
            return [self._violation(where, _message(error))]
        return []


def _is_nullable_wrapper(schema: dict[str, Any]) -> bool:
    """The shape spec.py gives a nullable schema that has no plain `type` to widen."""
    options = schema.get("anyOf")
    return (
        len(schema) == 1
        and isinstance(options, list)
        and len(options) == 2
        and options[0] == {"type": "null"}
    )


def _message(error: fastjsonschema.JsonSchemaValueException) -> str:
    # fastjsonschema words its messages as "<name> must ..."; the name goes in its own field.
    message: str = error.message
    prefix = f"{error.name} "
    return message[len(prefix) :] if message.startswith(prefix) else message
