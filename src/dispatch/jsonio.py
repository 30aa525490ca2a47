"""JSON in and out without binary floating point on the way.

Numbers with a fraction or exponent are read as `Decimal`, so they reach storage exactly; constants
Python's parser would otherwise accept (NaN, Infinity), numbers no JSON peer could represent
(1e400) and strings that are not Unicode (a lone surrogate escape such as "\\ud800") are refused.
On the way out, a `Decimal` is written exactly as it is: integers as integers, fractions digit for
digit.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

from dispatch._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class JsonError(ValueError):
    """The text is not JSON this API accepts."""


def _refuse_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


def _finite_decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
        finite = math.isfinite(float(number))
    except ArithmeticError:  # an exponent beyond what Decimal itself can hold
        finite = False
    if not finite:
        raise JsonError("holds a number out of range")
    return number


_decoder = json.JSONDecoder(parse_float=_finite_decimal, parse_constant=_refuse_constant)


# Deeper JSON than this is refused: no request needs it, and the validators recurse per level.
MAX_DEPTH = 64


def loads(text: str) -> Any:
    try:
        value = _decoder.decode(text)
    except JsonError:
        raise
    except json.JSONDecodeError as error:
        raise JsonError(str(error)) from None  # says what and where: "Expecting ',' …: line 1 column 9"
    except ValueError:
        raise JsonError("holds an integer with too many digits") from None  # int() refuses 4,300+
    except RecursionError:
        raise JsonError("is nested too deeply") from None
    # Counting brackets runs at C speed; only text that could be too deep is walked.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise JsonError(f"is nested more than {MAX_DEPTH} levels deep")
    if "\\u" in text and _has_lone_surrogate(value):
        raise JsonError("a string holds a lone surrogate, which is not Unicode text")
    return value


def _depth(value: Any) -> int:
    deepest, level = 0, [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            level.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    try:
        dumps(value).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Fraction(Exception):
    """A Decimal with a fraction: the stdlib encoder cannot write it exactly."""


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        raise _Fraction
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_encode_default)
# The C encoder JSONEncoder.encode builds on every call, built once: the same output, without a
# microsecond of setup per response. (No cycle check: responses are trees built per request.)
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)  # CPython's accelerator, if built
_c_encode = (
    _c_make_encoder(None, _encode_default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    if _c_make_encoder is not None
    else None
)


def dumps(value: Any) -> str:
    try:
        if _c_encode is not None and isinstance(value, dict | list):
            return "".join(_c_encode(value, 0))
        return _encoder.encode(value)
    except _Fraction:
        return _exact(value)  # rare: only values holding a fractional Decimal take this path


def _exact(value: Any) -> str:
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return str(value)  # always JSON number syntax, since NaN and Infinity never get in
    if isinstance(value, dict):
        return "{" + ",".join(f"{_encoder.encode(str(k))}:{_exact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact(v) for v in value) + "]"
    return _encoder.encode(value)
