"""template.yaml as AWS SAM CLI sees it: lint, build, the routes it would serve, and the sample events.

SAM CLI lives in `.venv-sam` (it pins libraries of its own), so every call goes through a
subprocess. One `sam build` is shared by the whole module because each takes seconds.
"""

import json
import os
import subprocess
import zipfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import yaml

from tests.sam.sam_tools import (
    ROOT,
    SPEC,
    TEMPLATE,
    TEMPLATE_VIEW,
    python313,
    run_sam,
    sam_python_json,
    spec_operations,
)

pytestmark = pytest.mark.sam

EVENTS = ROOT / "events"
# What the Lambda Python runtime provides beside the standard library; the artifact must not
# ship its own copy, and may rely on nothing else.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
# The code, the spec and one pure-Python validator zip to tens of KB; a vendored SDK (botocore
# alone is megabytes) or a heavy stray dependency would break this bound.
MAX_ARTIFACT_ZIP_BYTES = 1_000_000


@dataclass(frozen=True)
class Build:
    result: subprocess.CompletedProcess[str]
    build_dir: Path

    @property
    def artifact(self) -> Path:
        if self.result.returncode != 0:
            pytest.fail(f"sam build failed:\n{self.result.stdout}\n{self.result.stderr}")
        return self.build_dir / "UsersFunction"


@pytest.fixture(scope="module")
def sam_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    tmp = tmp_path_factory.mktemp("sam")
    # --no-cached: samconfig.toml turns caching on, and cached builds keep dependencies in
    # .aws-sam/deps under the working tree; a test builds from scratch and writes only to tmp.
    result = run_sam(
        "build",
        "--template-file",
        str(TEMPLATE),
        "--build-dir",
        str(tmp / "build"),
        "--cache-dir",
        str(tmp / "cache"),
        "--no-cached",
    )
    return Build(result, tmp / "build")


def test_sam_validate_with_lint_reports_nothing() -> None:
    result = run_sam("validate", "--lint", "--template-file", str(TEMPLATE), timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout


def test_sam_build_succeeds(sam_build: Build) -> None:
    assert sam_build.result.returncode == 0, sam_build.result.stdout + sam_build.result.stderr
    assert (sam_build.build_dir / "template.yaml").is_file()


def test_build_artifact_holds_handler_spec_and_validator_but_not_the_sdk(sam_build: Build) -> None:
    artifact = sam_build.artifact
    present = {entry.name for entry in artifact.iterdir()}

    assert {"app.py", "openapi.json", "fastjsonschema"} <= present
    assert (artifact / "fastjsonschema" / "__init__.py").is_file()
    shipped_runtime_packages = present & set(RUNTIME_PACKAGES)
    assert not shipped_runtime_packages, f"the Lambda runtime provides these: {shipped_runtime_packages}"


def test_build_artifact_spec_is_the_contract(sam_build: Build) -> None:
    built = json.loads((sam_build.artifact / "openapi.json").read_text())

    assert built == yaml.safe_load(SPEC.read_text()), (
        "src/openapi.json is stale: regenerate it with `make src/openapi.json`"
    )


def test_build_artifact_zipped_is_small(
    sam_build: Build,
    tmp_path: Path,
    pytestconfig: pytest.Config,
    capsys: pytest.CaptureFixture[str],
    record_property: Any,
) -> None:
    archive = tmp_path / "UsersFunction.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(sam_build.artifact.rglob("*")):
            if "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(sam_build.artifact))
    size = archive.stat().st_size

    record_property("artifact_zip_bytes", size)
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        with capsys.disabled():
            reporter.ensure_newline()
            reporter.write_line(f"UsersFunction artifact, zipped: {size:,} bytes ({size / 1024:.0f} KiB)")
    assert size < MAX_ARTIFACT_ZIP_BYTES


def lambda_runtime_path(tmp_path: Path) -> Path:
    """A folder standing in for the runtime's own packages: the AWS SDK and what it imports."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for name in RUNTIME_PACKAGES:
        spec = find_spec(name)
        assert spec is not None, f"{name} is missing from the dev venv"
        assert spec.origin is not None
        source = Path(spec.origin)
        source = source.parent if source.name == "__init__.py" else source
        (runtime / source.name).symlink_to(source)
    return runtime


# Runs inside the child: the handler from the artifact, called as Lambda calls it.
INVOKE = """
import json, sys
from app import handler

class Context:
    function_name = "users-api-UsersFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:users-api-UsersFunction"
    memory_limit_in_mb = 512
    aws_request_id = "5f0b8a1c-2d3e-4f5a-8b9c-0d1e2f3a4b5c"
    log_group_name = "/aws/lambda/users-api-UsersFunction"
    log_stream_name = "2025/12/03/[$LATEST]0123456789abcdef0123456789abcdef"
    def get_remaining_time_in_millis(self):
        return 9000

with open(sys.argv[1]) as f:
    event = json.load(f)
json.dump(handler(event, Context()), sys.stdout)
"""


@pytest.mark.parametrize(
    "event_file", ["getHealth.json", "rest-v1/getHealth.json"], ids=["http-api-v2", "rest-api-v1"]
)
def test_built_handler_answers_health_event_with_ok(
    sam_build: Build, tmp_path: Path, event_file: str
) -> None:
    artifact = sam_build.artifact
    runtime = lambda_runtime_path(tmp_path)
    env = {
        "PATH": os.environ.get("PATH", ""),
        # As on Lambda: the artifact first, then the runtime's SDK, nothing from the dev venv.
        "PYTHONPATH": os.pathsep.join([str(artifact), str(runtime)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TABLE_NAME": "users-api-UsersTable-1A2B3C4D5E6F",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "users-api-UsersFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # Health touches no storage; should it try, it fails here rather than reaching AWS.
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
    }
    # -S leaves out the interpreter's own site-packages, so only PYTHONPATH can satisfy imports.
    result = subprocess.run(
        [python313(), "-S", "-c", INVOKE, str(EVENTS / event_file)],
        cwd=artifact,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200, response
    headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    assert headers.get("content-type", "").split(";")[0] == "application/json"
    assert json.loads(response["body"]) == {"status": "ok"}


@pytest.fixture(scope="module")
def sam_template_view() -> dict[str, Any]:
    view: dict[str, Any] = sam_python_json(TEMPLATE_VIEW, str(TEMPLATE))
    return view


def test_sam_local_routes_are_exactly_the_spec_operations(sam_template_view: dict[str, Any]) -> None:
    mounted = sorted((r["method"], r["path"], r["operationId"]) for r in sam_template_view["routes"])
    expected = sorted((method, path, op_id) for op_id, (method, path) in spec_operations().items())

    assert mounted == expected


def test_sam_local_routes_all_invoke_users_function_with_payload_2(sam_template_view: dict[str, Any]) -> None:
    routes = sam_template_view["routes"]

    assert routes
    assert {(r["function"], r["eventType"], r["payloadFormatVersion"]) for r in routes} == {
        ("UsersFunction", "HttpApi", "2.0")
    }


def test_sam_reads_users_function_as_the_python_313_arm64_handler(sam_template_view: dict[str, Any]) -> None:
    function = sam_template_view["functions"]["UsersFunction"]

    assert function["handler"] == "app.handler"
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert (ROOT / function["codeUri"]).resolve() == (ROOT / "src").resolve()


def event_files() -> list[Path]:
    return sorted(EVENTS.rglob("*.json"))


def expand(path_template: str, path_parameters: dict[str, str]) -> str:
    path = path_template
    for name, value in path_parameters.items():
        path = path.replace("{" + name + "}", value)
    return path


def template_parameters(path_template: str) -> set[str]:
    return {part[1:-1] for part in path_template.split("/") if part.startswith("{") and part.endswith("}")}


def check_http_api_event(event: dict[str, Any], method: str, path: str) -> None:
    route_key = f"{method} {path}"
    context = event["requestContext"]
    path_parameters = event.get("pathParameters") or {}

    assert event["routeKey"] == context["routeKey"] == route_key
    assert context["http"]["method"] == method
    assert set(path_parameters) == template_parameters(path)
    assert event["rawPath"] == context["http"]["path"] == expand(path, path_parameters)
    assert context["stage"] == "$default"
    for field in ("accountId", "apiId", "domainName", "domainPrefix", "requestId", "time", "timeEpoch"):
        assert context[field], field
    assert context["domainName"] == event["headers"]["host"]
    assert all(name == name.lower() for name in event["headers"]), "payload 2.0 header names are lower-case"
    # API Gateway folds a repeated query key into one comma-joined value.
    folded: dict[str, list[str]] = {}
    for key, value in parse_qsl(event["rawQueryString"], keep_blank_values=True):
        folded.setdefault(key, []).append(value)
    assert (event.get("queryStringParameters") or {}) == {k: ",".join(v) for k, v in folded.items()}
    if event.get("body") is not None:
        assert event["isBase64Encoded"] is False
        assert int(event["headers"]["content-length"]) == len(event["body"].encode())
        json.loads(event["body"])


def check_rest_api_event(event: dict[str, Any], method: str, path: str) -> None:
    path_parameters = event["pathParameters"] or {}

    assert event["httpMethod"] == event["requestContext"]["httpMethod"] == method
    assert event["resource"] == event["requestContext"]["resourcePath"] == path
    assert set(path_parameters) == template_parameters(path)
    assert event["path"] == expand(path, path_parameters)
    assert event["requestContext"]["path"].endswith(event["path"])
    assert {name: values[-1] for name, values in event["multiValueHeaders"].items()} == event["headers"]


@pytest.mark.parametrize("event_file", event_files(), ids=lambda p: str(p.relative_to(EVENTS)))
def test_event_file_matches_the_spec_operation_it_is_named_after(event_file: Path) -> None:
    event = json.loads(event_file.read_text())
    operations = spec_operations()

    assert event_file.stem in operations, f"{event_file.name} names no operationId in openapi.yaml"
    method, path = operations[event_file.stem]
    if event.get("version") == "2.0":
        check_http_api_event(event, method, path)
    else:
        check_rest_api_event(event, method, path)


def test_every_operation_has_an_http_api_event() -> None:
    named = {path.stem for path in EVENTS.glob("*.json")}

    assert named == set(spec_operations())
