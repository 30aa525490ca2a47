"""Interactive API docs for the local API: Swagger UI at /docs, the spec at /openapi.json and .yaml.

`ApiDocs(app)` is WSGI middleware that answers those paths itself and passes every other request to
`app` unchanged. Swagger UI's files come from the npm package swagger-ui-dist in node_modules (which
`make setup` installs), never from a CDN, so the page works offline. The spec is read from
openapi.yaml on each request, so the page shows the document as it is on disk.

Only the local API mounts this: API Gateway serves the routes of the spec and nothing else.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
SWAGGER_UI = ROOT / "node_modules" / "swagger-ui-dist"
DOCS_PATH = "/docs"
SPEC_PATHS = ("/openapi.json", "/openapi.yaml")
# The files of swagger-ui-dist that the page loads; nothing else under node_modules is served.
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"})

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} - API docs</title>
  <link rel="stylesheet" href="{docs}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{docs}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{docs}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      displayRequestDuration: true,
      // The default validator is a public web service; the spec is checked by the tests instead.
      validatorUrl: null,
    }});
  </script>
</body>
</html>
"""

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SpecClash(ValueError):
    """The spec defines a path the docs would hide."""


class ApiDocs:
    """Serve the docs in front of `app`; refuse to start if the spec itself uses their paths."""

    def __init__(self, app: WsgiApp, *, spec_path: Path = SPEC, assets_dir: Path = SWAGGER_UI) -> None:
        self.app = app
        self.spec_path = spec_path
        self.assets_dir = assets_dir
        try:
            paths = _load(spec_path).get("paths") or {}
        except (OSError, yaml.YAMLError):
            paths = {}  # a half-saved spec must not stop the server; /openapi.json will say why
        taken = [p for p in paths if _is_docs_path(p)]
        if taken:
            raise SpecClash(f"{spec_path.name} defines {', '.join(taken)}, which the local docs would hide.")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not _is_docs_path(path):
            return self.app(environ, start_response)
        request = Request(environ)
        response = self.respond(request) if request.method in ("GET", "HEAD") else _text(405, "Use GET.")
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        path = request.path
        if path in (DOCS_PATH, f"{DOCS_PATH}/"):
            return self._page()
        if path == "/openapi.json":
            return self._spec_json()
        if path == "/openapi.yaml":
            return Response(self.spec_path.read_bytes(), content_type="application/yaml; charset=utf-8")
        return self._asset(path.removeprefix(f"{DOCS_PATH}/"))

    def _page(self) -> Response:
        if not (self.assets_dir / "swagger-ui-bundle.js").is_file():
            return _text(
                503, f"Swagger UI is not installed ({self.assets_dir} is missing): run `make setup`."
            )
        try:
            title = str(_load(self.spec_path).get("info", {}).get("title", "API"))
        except (OSError, yaml.YAMLError):
            title = "API"
        page = _PAGE.format(title=escape(title), docs=DOCS_PATH)
        return Response(page, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})

    def _spec_json(self) -> Response:
        try:
            spec = _load(self.spec_path)
        except (OSError, yaml.YAMLError) as error:
            return _text(500, f"{self.spec_path.name} does not load: {error}")
        body = json.dumps(spec, ensure_ascii=False, indent=2)
        return Response(body, content_type="application/json", headers={"Cache-Control": "no-store"})

    def _asset(self, name: str) -> Response:
        if name not in ASSETS:
            return _text(404, "Not a file of the docs.")
        file = self.assets_dir / name
        if not file.is_file():
            return _text(
                503, f"Swagger UI is not installed ({self.assets_dir} is missing): run `make setup`."
            )
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(file.read_bytes(), content_type=content_type)


def _is_docs_path(path: str) -> bool:
    return path in SPEC_PATHS or path == DOCS_PATH or path.startswith(f"{DOCS_PATH}/")


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        loaded = yaml.safe_load(f)
    return loaded if isinstance(loaded, dict) else {}


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status, content_type="text/plain; charset=utf-8")
