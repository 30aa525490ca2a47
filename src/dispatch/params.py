"""Parameters (path, query, header, cookie) from their text on the wire to typed, checked values.

The styles are OpenAPI's defaults: `form` for query and cookie, `simple` for path and header, with
arrays either repeated (`tag=a&tag=b`, explode) or comma-separated (explode false). Objects and the
other styles are refused at init. A scalar query parameter given twice is an error, not a guess.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from dispatch._typing import TYPE_CHECKING
from dispatch.problems import Violation
from dispatch.spec import SpecError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from dispatch.problems import Location
    from dispatch.schema import SchemaCheck
    from dispatch.spec import Document

_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
_INTEGER = re.compile(r"-?[0-9]+\Z")
_MAX_DIGITS = 400  # longer digit strings are refused before int(), which stops at 4,300 anyway
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
_SCALARS = ("string", "integer", "number", "boolean")


class _Refused:
    """What `_convert` returns for text that is not of the parameter's type: the reason, as the
    violation says it. A value rather than an exception, since a bad query is a common request."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_NOT_INTEGER = _Refused("must be an integer")
_NOT_NUMBER = _Refused("must be a number")
_NOT_BOOLEAN = _Refused("must be true or false")


class Parameter:
    __slots__ = (
        "argument",
        "check",
        "default",
        "explode",
        "is_array",
        "kind",
        "location",
        "name",
        "required",
    )

    def __init__(
        self,
        *,
        name: str,
        location: Location,
        required: bool,
        kind: str,
        is_array: bool,
        explode: bool,
        default: Any,
        check: SchemaCheck,
    ) -> None:
        self.name = name
        self.location: Location = location
        self.argument = snake_case(name)  # the keyword the operation function receives
        self.required = required
        self.kind = kind  # a scalar type, or the item type of an array
        self.is_array = is_array
        self.explode = explode
        self.default = default
        self.check = check

    def read(self, raw: list[str] | None) -> tuple[Any, list[Violation]]:
        """The value from the wire, or `None` when absent without a default."""
        if raw is None:
            if self.required:
                return None, [Violation(self.location, self.name, "is required")]
            return self.default, []
        if self.is_array:
            items = raw if self.explode or len(raw) != 1 else raw[0].split(",")
            if self.location != "query" and len(items) == 1:
                items = items[0].split(",")
            values: list[Any] = []
            for item in items:
                value = _convert(item, self.kind)
                if type(value) is _Refused:
                    return None, [Violation(self.location, self.name, value.reason)]
                values.append(value)
            return self.check(values)
        if len(raw) != 1:
            return None, [Violation(self.location, self.name, "must be given once")]
        value = _convert(raw[0], self.kind)
        if type(value) is _Refused:
            return None, [Violation(self.location, self.name, value.reason)]
        return self.check(value)


def _convert(text: str, kind: str) -> Any:
    """The value `text` stands for, or a `_Refused` saying why it stands for none."""
    if kind == "string":
        return text
    if kind == "integer":
        if _INTEGER.match(text) and len(text) <= _MAX_DIGITS:
            return int(text)
        return _NOT_INTEGER
    if kind == "number":
        if _NUMBER.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:
                pass
        return _NOT_NUMBER
    if text in ("true", "false"):
        return text == "true"
    return _NOT_BOOLEAN


def snake_case(name: str) -> str:
    """`userId` -> `user_id`, `If-Match` -> `if_match`: the keyword an operation receives."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", name)
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return name.strip("_").lower()


def compile_parameters(document: Document, shared: list[Any], own: list[Any], where: str) -> list[Parameter]:
    merged: dict[tuple[str, str], tuple[Mapping[str, Any], str]] = {}
    for origin, entries in (("parameters", shared), (f"{where}/parameters", own)):
        for index, entry in enumerate(entries):
            param_where = f"{origin}/{index}"
            param = document.resolve(entry, param_where)
            merged[(param.get("name"), param.get("in"))] = (param, param_where)
    return [_compile(document, param, param_where) for param, param_where in merged.values()]


def _compile(document: Document, param: Mapping[str, Any], where: str) -> Parameter:
    name, location = param.get("name"), param.get("in")
    if not isinstance(name, str) or location not in _DEFAULT_STYLE:
        raise SpecError(where, "a parameter needs a name and an `in` of path, query, header or cookie")
    if "content" in param or "schema" not in param:
        raise SpecError(where, "only parameters described by `schema` are supported")
    style = param.get("style", _DEFAULT_STYLE[location])
    if style != _DEFAULT_STYLE[location]:
        raise SpecError(f"{where}/style", f"style {style!r} is not supported for {location} parameters")
    check = document.check(param["schema"], f"{where}/schema", location, name)
    resolved = document.resolve(param["schema"], f"{where}/schema")
    kind = resolved.get("type")
    is_array = kind == "array"
    if is_array:
        kind = document.resolve(resolved["items"], f"{where}/schema/items").get("type")
    if kind not in _SCALARS:
        raise SpecError(
            f"{where}/schema", "a parameter must be a string, number, integer, boolean or array of them"
        )
    if location == "path" and param.get("required") is not True:
        raise SpecError(where, "a path parameter must be required")
    if snake_case(name) == "body":
        raise SpecError(where, "a parameter may not be called `body`: that keyword carries the request body")
    return Parameter(
        name=name,
        location=location,
        required=param.get("required") is True,
        kind=kind,
        is_array=is_array,
        explode=param.get("explode", style == "form") is True,
        default=resolved.get("default"),
        check=check,
    )
