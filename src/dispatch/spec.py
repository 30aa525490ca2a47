"""Read an OpenAPI 3.0 document into plain JSON Schema, refusing what cannot be enforced.

Everything here runs once, at init. A construct the dispatcher would not check in a request (a
remote `$ref`, an unknown `format`, a binary body) is a `SpecError` naming its place in the
document, so no parameter or body can pass a check that silently was not made.
"""

# Limitation: two parts of a document are left to API Gateway rather than checked here.
# `security` is enforced by the API's authorizer before the function runs (the dispatcher hands
# the claims it verified to functions that ask for them), and `servers` base paths are not
# stripped: API Gateway maps its own stage and base path, and a stage prefix is removed.

from __future__ import annotations

import re
from collections.abc import Mapping

from dispatch._typing import TYPE_CHECKING
from dispatch.schema import KNOWN_FORMATS, SchemaCheck

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from dispatch.problems import Location
    from dispatch.schema import Validate

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Schema Object keywords of OpenAPI 3.0 that only annotate and change nothing a validator checks.
_ANNOTATIONS = frozenset(
    {"description", "title", "example", "deprecated", "externalDocs", "xml", "discriminator", "writeOnly"}
)
_CHECKED = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "allOf", "anyOf", "oneOf",
        "not", "enum", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "default", "nullable", "readOnly",
    }
)  # fmt: skip
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
_INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_NUMBER_FORMATS = frozenset({"float", "double"})
_HINT_FORMATS = frozenset({"password"})


class SpecError(Exception):
    """The document asks for something the dispatcher cannot enforce."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


def pointer(*parts: str | int) -> str:
    """A JSON pointer into the document, for error messages."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(escaped)


class Document:
    """The spec, and the checks compiled from it (from generated validators where there are some)."""

    __slots__ = ("checks", "raw", "validators")

    def __init__(self, raw: Mapping[str, Any], validators: Mapping[str, Validate] | None = None) -> None:
        self.raw = raw
        self.validators = validators
        self.checks: list[SchemaCheck] = []

    def check(self, schema: Any, where: str, location: Location, name: str) -> SchemaCheck:
        """A request schema of the spec, ready to check values."""
        converted = self.json_schema(schema, where, request=True)
        check = SchemaCheck(converted, location, name, self.validators)
        self.checks.append(check)
        return check

    def resolve(self, node: Any, where: str, seen: tuple[str, ...] = ()) -> Any:
        """Follow a local `$ref` (and refs to refs) to the object it names."""
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SpecError(where, f"only local references are supported, not {ref!r}")
            if ref in seen:
                raise SpecError(where, f"recursive reference {ref} is not supported")
            seen = (*seen, ref)
            target: Any = self.raw
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, Mapping) or part not in target:
                    raise SpecError(where, f"reference {ref} points at nothing")
                target = target[part]
            node, where = target, ref
        return node

    def operations(self) -> Iterator[tuple[str, str, Mapping[str, Any], list[Any], str]]:
        """Each (path template, method, operation, path-level parameters, where)."""
        paths = self.raw.get("paths")
        if not isinstance(paths, Mapping) or not paths:
            raise SpecError(pointer("paths"), "the document has no paths")
        for template, item in paths.items():
            item_where = pointer("paths", template)
            item = self.resolve(item, item_where)
            shared = list(item.get("parameters", []))
            for method in HTTP_METHODS:
                if method in item:
                    yield template, method, item[method], shared, pointer("paths", template, method)

    def json_schema(self, schema: Any, where: str, *, request: bool) -> Any:
        """An OpenAPI 3.0 Schema Object as JSON Schema (draft 7), with every `$ref` inlined.

        In a request, `readOnly` members may not be sent at all; in a response they are ordinary.
        """
        return self._convert(schema, where, request, ())

    def _convert(self, schema: Any, where: str, request: bool, seen: tuple[str, ...]) -> Any:
        if isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen:
                raise SpecError(where, f"recursive schema {ref} is not supported")
            target = self.resolve(schema, where)
            return self._convert(target, ref, request, (*seen, ref))
        if not isinstance(schema, Mapping):
            raise SpecError(where, "a schema must be an object")
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in _ANNOTATIONS or key.startswith("x-"):
                continue
            if key not in _CHECKED:
                raise SpecError(f"{where}/{key}", f"{key!r} is not a keyword of OpenAPI 3.0 schemas")
            out[key] = value
        kind = out.get("type")
        if kind is not None and kind not in _TYPES:
            raise SpecError(f"{where}/type", f"unknown type {kind!r}")
        if kind == "array" and "items" not in out:
            raise SpecError(where, "an array schema needs items")
        for key in ("allOf", "anyOf", "oneOf"):
            if key in out:
                out[key] = [
                    self._convert(s, f"{where}/{key}/{i}", request, seen) for i, s in enumerate(out[key])
                ]
        if "not" in out:
            out["not"] = self._convert(out["not"], f"{where}/not", request, seen)
        if "items" in out:
            out["items"] = self._convert(out["items"], f"{where}/items", request, seen)
        if isinstance(out.get("additionalProperties"), Mapping):
            extra = out["additionalProperties"]
            out["additionalProperties"] = self._convert(extra, f"{where}/additionalProperties", request, seen)
        if "properties" in out:
            out["properties"] = self._properties(out, where, request, seen)
        if "pattern" in out:
            try:
                re.compile(out["pattern"])
            except re.error as error:
                raise SpecError(
                    f"{where}/pattern", f"not a regular expression Python can run: {error}"
                ) from None
        self._bounds(out)
        self._format(out, where)
        out.pop("readOnly", None)
        if out.pop("nullable", False):
            out = _nullable(out)
        return out

    def _properties(
        self, out: dict[str, Any], where: str, request: bool, seen: tuple[str, ...]
    ) -> dict[str, Any]:
        converted: dict[str, Any] = {}
        read_only = set()
        for name, sub in out["properties"].items():
            sub_where = f"{where}/properties/{name}"
            if request and self.resolve(sub, sub_where).get("readOnly") is True:
                read_only.add(name)
                converted[name] = False  # a member the client may not send
            else:
                converted[name] = self._convert(sub, sub_where, request, seen)
        if read_only and "required" in out:
            out["required"] = [name for name in out["required"] if name not in read_only]
        return converted

    @staticmethod
    def _bounds(out: dict[str, Any]) -> None:
        # OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum (draft 4 style).
        for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if out.get(flag) is True:
                out[flag] = out.pop(bound)
            elif out.get(flag) is False:
                del out[flag]

    @staticmethod
    def _format(out: dict[str, Any], where: str) -> None:
        fmt = out.get("format")
        if fmt is None or fmt in KNOWN_FORMATS:
            return
        if fmt in _INTEGER_FORMATS and out.get("type") == "integer":
            low, high = _INTEGER_FORMATS[fmt]
            out["minimum"] = max(out.get("minimum", low), low)
            out["maximum"] = min(out.get("maximum", high), high)
        elif not (fmt in _NUMBER_FORMATS and out.get("type") == "number") and fmt not in _HINT_FORMATS:
            raise SpecError(f"{where}/format", f"format {fmt!r} cannot be checked")
        del out["format"]


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    if isinstance(schema.get("type"), str) and not any(
        k in schema for k in ("allOf", "anyOf", "oneOf", "not")
    ):
        schema["type"] = [schema["type"], "null"]
        return schema
    return {"anyOf": [{"type": "null"}, schema]}
