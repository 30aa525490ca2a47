"""JSON Schema checks that report every violation, from code fastjsonschema generated.

fastjsonschema turns a schema into plain Python. With `fast_fail=False` that code goes on after
the first error and reports them all, at the same speed as stopping would for valid data.

The code can be generated at build time (local/codegen.py, which `make` runs) into a
module that the function imports like any other: no schema is compiled during a cold start, and
fastjsonschema itself is not even imported. A schema missing from that module (a stale build) is
compiled at init instead, so a check is never skipped; it only costs more.
"""

from __future__ import annotations

import json

from dispatch._typing import TYPE_CHECKING
from dispatch.problems import Violation

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from dispatch.problems import Location

    Validate = Callable[[Any, Mapping[str, Callable[[str], bool]]], Any]


# Both are made on every rejected body, so they skip Exception.__init__, keep their attributes in
# slots (quicker to set than the instance dict), and join their message only when printed: a
# rejection costs about a microsecond less.


class SchemaError(ValueError):
    """One violation, as generated validators raise it (the shape of fastjsonschema's own)."""

    __slots__ = ("definition", "message", "name", "rule", "value")

    def __init__(
        self,
        message: str,
        value: Any = None,
        name: str | None = None,
        definition: Any = None,
        rule: Any = None,
    ) -> None:
        self.message = message
        self.value = value
        self.name = name or "data"
        self.definition = definition
        self.rule = rule

    def __str__(self) -> str:
        return self.message


class SchemaErrors(ValueError):
    """Every violation a generated validator found, when it was told not to stop at the first."""

    __slots__ = ("errors",)

    def __init__(self, errors: list[SchemaError]) -> None:
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(error.message for error in self.errors)


def _is_base64(value: str) -> bool:
    import base64  # noqa: PLC0415 - only schemas with format: byte
    import binascii  # noqa: PLC0415

    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


CUSTOM_FORMATS: dict[str, Callable[[str], bool]] = {"byte": _is_base64}
# The formats fastjsonschema checks for draft 7 (a test keeps this list equal to its own).
KNOWN_FORMATS = frozenset(
    {
        "date", "date-time", "email", "hostname", "idn-email", "idn-hostname", "ipv4", "ipv6", "iri",
        "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time", "uri", "uri-reference",
        "uri-template", *CUSTOM_FORMATS,
    }
)  # fmt: skip
DRAFT = "http://json-schema.org/draft-07/schema#"
MAX_LISTED = 50  # violations named one by one for a value; the rest are counted
# How fastjsonschema generates every validator, here and in local/codegen.py: fill in defaults,
# and report every violation rather than the first.
USE_DEFAULT = True
FAST_FAIL = False


def schema_key(schema: Any) -> str:
    """The text a generated validator is filed under: the schema in canonical JSON."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def draft7(schema: Any) -> Any:
    return {"$schema": DRAFT, **schema} if isinstance(schema, dict) else schema


def compile_schema(schema: Any) -> Validate:
    """Generate a validator now, for a schema the build did not generate one for."""
    import fastjsonschema  # noqa: PLC0415 - only a stale build pays for importing it

    validate = fastjsonschema.compile(
        draft7(schema), formats=CUSTOM_FORMATS, use_default=USE_DEFAULT, fast_fail=FAST_FAIL
    )

    def checked(value: Any, formats: Any) -> Any:
        try:
            return validate(value)
        except fastjsonschema.JsonSchemaValuesException as found:
            raise SchemaErrors([_own(error) for error in found.errors]) from None
        except fastjsonschema.JsonSchemaValueException as error:
            raise SchemaErrors([_own(error)]) from None

    return checked


def _own(error: Any) -> SchemaError:
    return SchemaError(error.message, error.value, error.name, error.definition, error.rule)


class SchemaCheck:
    """One schema of the spec, ready to check a value and name everything wrong with it."""

    __slots__ = ("_location", "_name", "_validate", "schema")

    def __init__(
        self, schema: Any, location: Location, name: str, precompiled: Mapping[str, Validate] | None = None
    ) -> None:
        self.schema = schema
        self._location: Location = location
        self._name = name
        found = precompiled.get(schema_key(schema)) if precompiled else None
        self._validate = found or compile_schema(schema)

    def __call__(self, value: Any) -> tuple[Any, list[Violation]]:
        """The value with defaults filled in, and the violations (none when valid)."""
        try:
            return self._validate(value, CUSTOM_FORMATS), []
        except SchemaErrors as found:
            errors = found.errors
        except SchemaError as error:
            errors = [error]
        except RecursionError:  # jsonio bounds the depth of bodies; this is the last line of defence
            return value, [Violation(self._location, self._name, "is nested too deeply")]
        # A bounded answer: a body of 100,000 wrong items, or of 100,000 unknown members, must not
        # get 100,000 entries back (nor a response past Lambda's 6 MB), so the rest are counted.
        violations: list[Violation] = []
        unlisted = 0
        for schema_error in errors:
            listed, count = self._violations(schema_error, MAX_LISTED - len(violations))
            violations += listed
            unlisted += count - len(listed)
        if unlisted:
            more = f"and {unlisted} more violations, not listed"
            violations.append(Violation(self._location, self._name, more))
        return value, violations

    def _violations(self, error: SchemaError, room: int) -> tuple[list[Violation], int]:
        """At most `room` of the violations `error` stands for, and how many it stands for."""
        # fastjsonschema names a place like `data.tags[2]`: `data` is the value this check was given.
        where = error.name[4:].lstrip(".")
        if error.rule == "required":
            members = [n for n in error.definition["required"] if n not in error.value]
            message = "is required"
        elif error.rule == "additionalProperties" and isinstance(error.value, dict):
            known = error.definition.get("properties", {})
            members = [n for n in error.value if n not in known]
            message = "is not a known member"
        else:
            if room <= 0:
                return [], 1
            if error.definition is False:
                return [self._violation(where, "may not be sent")], 1  # a read-only member in a request
            message = error.message
            prefix = f"{error.name} "
            text = message[len(prefix) :] if message.startswith(prefix) else message
            return [self._violation(where, text)], 1
        listed = [self._violation(_join(where, n), message) for n in members[:room]]
        return listed, len(members)

    def _violation(self, where: str, message: str) -> Violation:
        if not where:
            name = self._name
        elif self._location == "body":
            name = where
        else:
            name = self._name + (where if where.startswith("[") else f".{where}")
        return Violation(self._location, name, message)


def member_name(root: str, path: Sequence[str | int]) -> str:
    """How a violation names a place from its path: `tags[2]`, `address.city`; `root` for the whole."""
    name = "" if root == "body" and path else root
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def _join(where: str, member: str) -> str:
    return f"{where}.{member}" if where else member
