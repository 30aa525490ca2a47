"""A problem's hand-assembled JSON text is exactly what the general encoder makes of its body."""

import json

from hypothesis import given
from hypothesis import strategies as st

import users.errors
from dispatch import jsonio
from dispatch.problems import HttpProblem, Violation
from tests.inputs.examples import examples


def _subclasses(cls: type[HttpProblem]) -> set[type[HttpProblem]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


# The dispatcher's problems and users.errors' (imported above, so their classes exist).
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


def test_every_problem_class_is_covered() -> None:
    domain = {
        cls for cls in vars(users.errors).values() if isinstance(cls, type) and issubclass(cls, HttpProblem)
    }
    assert domain <= set(PROBLEM_CLASSES)
    assert len(PROBLEM_CLASSES) >= 15


def test_a_domain_error_says_its_detail_when_printed() -> None:
    # They take no arguments, so `args` is empty: str() must still say what went wrong.
    assert str(users.errors.UserNotFound()) == "No user has this id."
    assert str(users.errors.StorageUnavailable()) == "Storage is busy or unreachable; try again shortly."
