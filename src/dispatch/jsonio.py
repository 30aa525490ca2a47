"""JSON in and out without binary floating point on the way.

Numbers with a fraction or exponent are read as `Decimal`, so they reach storage exactly; constants
Python's parser would otherwise accept (NaN, Infinity) and numbers no JSON peer could represent
(1e400) are refused. On the way out, a `Decimal` that holds an integer is written as an integer.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class JsonError(ValueError):
    """The text is not JSON this API accepts."""


def _refuse_constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


def _finite_decimal(text: str) -> Decimal:
    number = Decimal(text)
    if not math.isfinite(float(number)):
        raise JsonError(f"the number {text} is out of range")
    return number


_decoder = json.JSONDecoder(parse_float=_finite_decimal, parse_constant=_refuse_constant)


def loads(text: str) -> Any:
    try:
        return _decoder.decode(text)
    except JsonError:
        raise
    except (ValueError, RecursionError) as error:
        # json.JSONDecodeError carries line and column; int() refusing 5,000 digits is a ValueError.
        raise JsonError(str(error)) from None


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        # Limitation: a Decimal with more than 15 significant digits loses precision here, because
        # the stdlib encoder can only write a fraction through float.
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_encode_default)


def dumps(value: Any) -> str:
    return _encoder.encode(value)
