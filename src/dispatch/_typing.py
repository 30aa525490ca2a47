"""`typing.TYPE_CHECKING` without importing typing, which costs about 2 ms of every cold start.

mypy treats this name as true (pyproject.toml: always_true), so the annotations it guards are
checked as usual; at run time nothing under it is imported.
"""

TYPE_CHECKING = False
