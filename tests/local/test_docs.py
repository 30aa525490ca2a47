"""The local API's docs: Swagger UI from node_modules, the spec as JSON and YAML, nothing else changed.

The last test opens the docs in headless Chromium (Debian's package), lists the operations and runs
"Try it out" on /health against the local API, served on a loopback port with moto for storage.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from werkzeug.serving import make_server
from werkzeug.test import Client
from werkzeug.wrappers import Response

import app
from local.docs import SPEC, SWAGGER_UI, ApiDocs, SpecClash
from local.server import LocalApi
from users.storage import UserStore

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_swagger_ui = pytest.mark.skipif(
    not (SWAGGER_UI / "swagger-ui-bundle.js").is_file() and not os.environ.get("CI"),
    reason="swagger-ui-dist is not in node_modules (make setup installs it)",
)


def behind(status: int = 200) -> Client:
    def api(environ: dict, start_response):  # type: ignore[no-untyped-def]
        return Response("from the API", status)(environ, start_response)

    return Client(ApiDocs(api))


@needs_swagger_ui
def test_docs_page_loads_swagger_ui_from_the_local_server_only() -> None:
    page = behind().get("/docs")

    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"
    html = page.get_data(as_text=True)
    assert 'src="/docs/swagger-ui-bundle.js"' in html
    assert 'url: "/openapi.json"' in html
    assert "validatorUrl: null" in html
    assert "://" not in html.replace('url: "/openapi.json"', "")  # no CDN, no outside address


@needs_swagger_ui
@pytest.mark.parametrize("name", ["swagger-ui-bundle.js", "swagger-ui.css"])
def test_swagger_ui_assets_are_the_npm_package_files(name: str) -> None:
    asset = behind().get(f"/docs/{name}")

    assert asset.status_code == 200
    assert asset.get_data() == (SWAGGER_UI / name).read_bytes()


@pytest.mark.parametrize("path", ["/docs/package.json", "/docs/../openapi.yaml", "/docs/index.html"])
def test_only_the_files_the_page_needs_are_served(path: str) -> None:
    assert behind().get(path).status_code == 404


def test_spec_is_served_as_json_and_as_the_yaml_file() -> None:
    client = behind()

    as_json = client.get("/openapi.json")
    as_yaml = client.get("/openapi.yaml")

    assert as_json.content_type == "application/json"
    assert json.loads(as_json.get_data()) == yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert as_yaml.get_data() == SPEC.read_bytes()


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("POST", "/users"), ("GET", "/docsx")])
def test_other_requests_reach_the_api_unchanged(method: str, path: str) -> None:
    answer = behind(status=418).open(path, method=method)

    assert (answer.status_code, answer.get_data(as_text=True)) == (418, "from the API")


def test_docs_answer_only_reads() -> None:
    assert behind().post("/openapi.json").status_code == 405


def test_missing_swagger_ui_says_how_to_install_it(tmp_path: Path) -> None:
    client = Client(ApiDocs(lambda environ, start_response: [], assets_dir=tmp_path / "absent"))

    page = client.get("/docs")

    assert page.status_code == 503
    assert "make setup" in page.get_data(as_text=True)


def test_a_spec_that_uses_the_docs_paths_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /docs: {}\n", encoding="utf-8")

    with pytest.raises(SpecClash, match="/docs"):
        ApiDocs(lambda environ, start_response: [], spec_path=spec)


# --- In a browser -----------------------------------------------------------------------------------


@pytest.fixture
def local_api_url(moto_store: UserStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local API with its docs, on a free loopback port, served from a thread."""
    from users import operations  # noqa: PLC0415

    monkeypatch.setattr(operations, "store", moto_store)
    server = make_server("127.0.0.1", 0, ApiDocs(LocalApi(app.handler)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        # Playwright's own browser downloads are not used: Debian's Chromium, and a fresh profile.
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            yield context.new_page()
        finally:
            context.close()


@needs_swagger_ui
@pytest.mark.integration  # a browser and a real socket
def test_docs_list_the_operations_and_try_it_out_calls_the_api(
    local_api_url: str, browser_page: object
) -> None:
    from playwright.sync_api import Page, expect  # noqa: PLC0415

    assert isinstance(browser_page, Page)
    page = browser_page
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(local_api_url) else outside.append(r.url))

    page.goto(f"{local_api_url}/docs")

    for operation_id, tag in [
        ("getHealth", "health"),
        ("listUsers", "users"),
        ("createUser", "users"),
        ("getUser", "users"),
        ("updateUser", "users"),
        ("deleteUser", "users"),
    ]:
        expect(page.locator(f"#operations-{tag}-{operation_id}")).to_be_visible(timeout=15_000)

    health = page.locator("#operations-health-getHealth")
    health.locator(".opblock-summary").first.click()
    health.locator("button.try-out__btn").click()
    health.locator("button.execute").click()

    status = health.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200", timeout=15_000)
    expect(health.locator(".live-responses-table .response-col_description pre").first).to_contain_text(
        '"ok"'
    )
    assert outside == [], f"the page reached outside the local API: {outside}"


def test_a_spec_that_does_not_load_still_lets_the_api_serve(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("paths: [unclosed\n", encoding="utf-8")

    client = Client(ApiDocs(lambda environ, start_response: [b"api"], spec_path=spec))

    assert client.get("/openapi.json").status_code == 500
