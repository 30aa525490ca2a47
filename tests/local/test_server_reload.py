"""`python -m local.server` restarts on a saved source or spec file and keeps DynamoDB Local's data.

The server runs in a subprocess from a copy of the project's src/, local/ and spec, so the test
edits files nobody else is using and its data stays out of the real .local/dynamodb.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from local.dynamodb_local import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT = 90.0
RELOAD_TIMEOUT = 30.0
SETTLE = 3.0  # long enough for a late second restart to begin

pytestmark = pytest.mark.integration


class Server:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def restarts(self) -> int:
        # werkzeug prints this before it starts each serving child, so the old child has exited
        # once the count grows: until then /health may still be answered by the old code.
        return sum(" * Restarting with " in line for line in self.lines)

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the server exited ({self.process.returncode}) while waiting {what}:\n{self.output}"
                )
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"timed out waiting {what}:\n{self.output}")

    def answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/health", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the reloader parent stops its child and the JVM
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "src", copy / "src", ignore=ignore)
    shutil.copytree(ROOT / "local", copy / "local", ignore=ignore)
    for name in ("openapi.yaml", "template.yaml"):
        shutil.copy(ROOT / name, copy / name)
    (copy / "node_modules").symlink_to(ROOT / "node_modules")  # DynamoDB Local's jar
    return copy


@pytest.fixture
def server(project_copy: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in ("TABLE_NAME", "PYTHONPATH")
    }
    env.update(PORT=str(port), DYNAMODB_LOCAL_PORT=str(free_port()), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "local.server"],
        cwd=project_copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # one process group: the reloader, its child and the JVM
    )
    running = Server(process, f"http://127.0.0.1:{port}")
    try:
        running.wait_for(running.answers, START_TIMEOUT, "for the local API to answer")
        yield running
    finally:
        running.stop()


NAME_LIMIT = "maxLength: 100"  # a user's name, in openapi.yaml
NEW_NAME_LIMIT = 7


def _edit(path: Path) -> None:
    if path.suffix == ".yaml":
        # A change of meaning (a saved file whose meaning did not change reloads nothing), and one
        # the generated validators must follow, not only the spec's JSON copy.
        text = path.read_text(encoding="utf-8")
        assert text.count(NAME_LIMIT) == 1, "the name's length limit moved: update this test"
        path.write_text(text.replace(NAME_LIMIT, f"maxLength: {NEW_NAME_LIMIT}"), encoding="utf-8")
        return
    with path.open("a", encoding="utf-8") as f:
        f.write("\n# saved again by test_server_reload\n")


def test_saving_code_or_spec_reloads_and_keeps_the_data(server: Server, project_copy: Path) -> None:
    created = requests.post(
        f"{server.url}/users", json={"email": "kept@example.com", "name": "Kept"}, timeout=10
    )
    assert created.status_code == 201, created.text
    user_url = f"{server.url}/users/{created.json()['id']}"

    for edited in (project_copy / "src" / "users" / "operations.py", project_copy / "openapi.yaml"):
        before = server.restarts()
        _edit(edited)
        server.wait_for(
            lambda before=before: server.restarts() > before, RELOAD_TIMEOUT, f"a restart after {edited.name}"
        )
        server.wait_for(server.answers, RELOAD_TIMEOUT, f"answers after reloading for {edited.name}")

        again = requests.get(user_url, timeout=10)
        assert again.status_code == 200, again.text
        assert again.json() == created.json()
        # One save, one restart: a second one would drop the requests the restarted server is serving.
        time.sleep(SETTLE)
        assert server.restarts() == before + 1, (
            f"{edited.name} restarted the server more than once:\n{server.output}"
        )

    # The reloaded server enforces the new limit, with validators generated for it (not compiled
    # at init as a stale build would be), and no rewrite was left half done.
    too_long = requests.post(
        f"{server.url}/users",
        json={"email": "long@example.com", "name": "x" * (NEW_NAME_LIMIT + 1)},
        timeout=10,
    )
    assert too_long.status_code == 400, too_long.text
    assert too_long.json()["errors"][0]["name"] == "name"
    generated = project_copy / "src" / "openapi_validators"
    limit_message = f"must be shorter than or equal to {NEW_NAME_LIMIT} characters"
    assert any(limit_message in module.read_text(encoding="utf-8") for module in generated.glob("*.py"))
    assert not list(generated.parent.rglob(".*.partial")), "a rewrite of the generated files was cut short"


def test_each_request_is_one_readable_log_line(server: Server) -> None:
    requests.get(f"{server.url}/users/nobody", timeout=10)
    requests.get(f"{server.url}/users?email=ana@example.com", timeout=10)

    server.wait_for(lambda: "GET /users 200" in server.output, 10, "for the request log")
    assert re.search(r"^GET /users/nobody 404 \d+\.\d ms$", server.output, re.MULTILINE), server.output
    # The path without its query: query strings can carry personal data such as an email.
    assert re.search(r"^GET /users 200 \d+\.\d ms$", server.output, re.MULTILINE), server.output
    assert "ana@example.com" not in server.output
