"""A problem's hand-assembled JSON text is exactly what the general encoder makes of its body."""

import json

from hypothesis import given
from hypothesis import strategies as st

from dispatch import jsonio, problems
from dispatch.problems import HttpProblem, Violation
from tests.inputs.examples import examples
from users import errors

PROBLEM_CLASSES = sorted(
    {
        found
        for module in (problems, errors)
        for found in vars(module).values()
        if isinstance(found, type) and issubclass(found, HttpProblem)
    },
    key=lambda cls: cls.__name__,
)
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


def test_every_problem_class_is_covered() -> None:
    names = {cls.__name__ for cls in PROBLEM_CLASSES}
    assert {"BadRequest", "NotFound", "ServiceUnavailable", "IdempotencyKeyReused"} <= names
