"""A problem's hand-assembled JSON text is exactly what the general encoder makes of its body."""

import json
from http import HTTPStatus

import pytest
from hypothesis import given
from hypothesis import strategies as st

import users.errors
import users.storage
from dispatch import jsonio, problems
from dispatch.problems import HttpProblem, Violation
from tests.contract import SPEC
from tests.inputs.examples import examples


def _subclasses(cls: type[HttpProblem]) -> set[type[HttpProblem]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


# The dispatcher's problems and the Users API's (its modules imported above, so their classes exist).
PROBLEM_CLASSES = sorted({HttpProblem, *_subclasses(HttpProblem)}, key=lambda cls: cls.__qualname__)
# Any text a request can carry into a message: quotes, escapes, controls, non-ASCII, lone surrogates.
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
locations = st.sampled_from(["path", "query", "header", "cookie", "body"])
violations = st.builds(Violation, locations, texts, texts)


@examples
@given(
    cls=st.sampled_from(PROBLEM_CLASSES),
    detail=texts,
    request_id=texts,
    found=st.lists(violations, max_size=4),
)
def test_json_is_the_encoded_body(
    cls: type[HttpProblem], detail: str, request_id: str, found: list[Violation]
) -> None:
    problem = HttpProblem.__new__(cls)
    HttpProblem.__init__(problem, detail, violations=found)

    text = problem.json(request_id)

    assert text == jsonio.dumps(problem.body(request_id))
    assert json.loads(text) == problem.body(request_id)
    assert str(problem) == detail


USERS_API_PROBLEMS = {
    # What the Users API answers with: the dispatcher's own problems and users.errors'.
    problems.BadRequest: (400, "VALIDATION_ERROR"),
    problems.NotFound: (404, "NOT_FOUND"),
    problems.MethodNotAllowed: (405, "METHOD_NOT_ALLOWED"),
    problems.PayloadTooLarge: (413, "PAYLOAD_TOO_LARGE"),
    problems.UnsupportedMediaType: (415, "UNSUPPORTED_MEDIA_TYPE"),
    problems.InternalError: (500, "INTERNAL_ERROR"),
    users.errors.UserNotFound: (404, "NOT_FOUND"),
    users.errors.EmailTaken: (409, "EMAIL_TAKEN"),
    users.errors.StaleVersion: (412, "PRECONDITION_FAILED"),
    users.errors.InvalidCursor: (400, "VALIDATION_ERROR"),
    users.errors.IdempotencyKeyReused: (422, "IDEMPOTENCY_KEY_REUSED"),
    users.errors.StorageUnavailable: (503, "SERVICE_UNAVAILABLE"),
    users.storage._Collided: (503, "SERVICE_UNAVAILABLE"),  # a write that met a transaction, untried
}


def test_every_problem_the_users_api_can_raise_has_its_expected_status_and_code() -> None:
    # Classes others build on (Conflict for EmailTaken...) need no row; any class raised as it is does.
    raised_as_they_are = {cls for cls in PROBLEM_CLASSES if not cls.__subclasses__()}
    assert raised_as_they_are - USERS_API_PROBLEMS.keys() == set()


@pytest.mark.parametrize(
    ("cls", "expected"), USERS_API_PROBLEMS.items(), ids=[cls.__name__ for cls in USERS_API_PROBLEMS]
)
def test_each_problem_has_its_status_reason_phrase_and_a_code_the_spec_lists(
    cls: type[HttpProblem], expected: tuple[int, str]
) -> None:
    documented = SPEC["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]

    assert (cls.status, cls.code) == expected
    assert cls.title == HTTPStatus(cls.status).phrase
    assert cls.code in documented


def test_a_domain_error_says_its_detail_when_printed() -> None:
    # They take no arguments, so `args` is empty: str() must still say what went wrong.
    assert str(users.errors.UserNotFound()) == "No user has this id."
    assert str(users.errors.StorageUnavailable()) == "Storage is busy or unreachable; try again shortly."
