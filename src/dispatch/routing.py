"""Path templates to operations.

Concrete paths are a dictionary lookup; templated paths are tried after them, in the order the
document lists them, as OpenAPI asks (a concrete `/users/me` wins over `/users/{userId}`).
"""

from __future__ import annotations

import re

from dispatch._typing import TYPE_CHECKING
from dispatch.spec import SpecError

if TYPE_CHECKING:
    from typing import Any

    from dispatch.spec import Document

PATH_PARAMETER = re.compile(r"\{([^{}/]+)\}")  # `{userId}` in a path template


class Route:
    __slots__ = ("methods", "names", "pattern", "template")

    def __init__(self, template: str, names: tuple[str, ...], pattern: re.Pattern[str] | None) -> None:
        self.template = template
        self.names = names
        self.pattern = pattern
        self.methods: dict[str, Any] = {}


def operation_router(document: Document) -> Router:
    """The document's operation objects, routed as the dispatcher routes requests (for tools that
    need to know which operation a method and path name, without serving it)."""
    router = Router()
    for template, method, operation, _shared, where in document.operations():
        router.add(template, method, operation, where)
    return router


def allowed_methods(route: Route) -> list[str]:
    """The methods a path answers, as an Allow header lists them: HEAD wherever there is GET."""
    methods = set(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def options_allow(route: Route) -> str:
    """The Allow header of an OPTIONS answer on a path whose spec defines no OPTIONS operation."""
    return ", ".join([*allowed_methods(route), "OPTIONS"])


def without_trailing_slash(path: str) -> str:
    """`/users/` is `/users`; the root stays `/`."""
    if len(path) > 1 and path.endswith("/"):
        return path.rstrip("/") or "/"
    return path


def parse_template(template: str, where: str) -> Route:
    if not template.startswith("/"):
        raise SpecError(where, "a path must start with /")
    names = tuple(PATH_PARAMETER.findall(template))
    if not names:
        return Route(template, (), None)
    pieces = PATH_PARAMETER.split(template)
    # split() alternates literal text and parameter names; each parameter is one whole segment.
    regex = "".join(re.escape(p) if i % 2 == 0 else "([^/]+)" for i, p in enumerate(pieces))
    return Route(template, names, re.compile(regex + r"\Z"))


class Router:
    def __init__(self) -> None:
        self._static: dict[str, Route] = {}
        self._templated: list[Route] = []
        self._by_template: dict[str, Route] = {}

    def add(self, template: str, method: str, target: Any, where: str) -> None:
        route = self._by_template.get(template)
        if route is None:
            route = self._by_template[template] = parse_template(template, where)
            if route.pattern is None:
                self._static[template] = route
            else:
                self._templated.append(route)
        route.methods[method.upper()] = target

    def by_template(self, template: str) -> Route | None:
        return self._by_template.get(template)

    def match(self, path: str, *, decode: bool) -> tuple[Route, dict[str, str]] | None:
        """The route for `path` and its parameter values, percent-decoded if `decode`."""
        path = without_trailing_slash(path)
        route = self._static.get(path)
        if route is not None:
            return route, {}
        for route in self._templated:
            assert route.pattern is not None
            found = route.pattern.match(path)
            if found:
                values = found.groups()
                if decode:
                    from urllib.parse import unquote  # noqa: PLC0415 - REST APIs only, not at cold start

                    values = tuple(unquote(v) for v in values)
                return route, dict(zip(route.names, values, strict=True))
        return None
