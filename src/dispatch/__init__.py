"""Spec-driven dispatch for AWS Lambda: an OpenAPI 3.0 document in, a proxy handler out.

Nothing here knows about any one API; it serves whichever document and functions it is given.
"""

from dispatch.app import Api, Cors
from dispatch.problems import (
    BadRequest,
    Conflict,
    HttpProblem,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    Violation,
)
from dispatch.spec import SpecError

__all__ = [
    "Api",
    "BadRequest",
    "Conflict",
    "Cors",
    "HttpProblem",
    "NotFound",
    "PreconditionFailed",
    "ServiceUnavailable",
    "SpecError",
    "Violation",
]
