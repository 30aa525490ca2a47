"""`python -m local.invoke` runs event files through a handler and prints its responses."""

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from local import invoke as invoke_module
from local.invoke import invoke
from local.lambda_context import LambdaContext

EVENTS = Path(__file__).resolve().parent.parent.parent / "events"


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": event["rawPath"], "function": context.function_name}


def test_each_event_file_is_invoked_and_its_response_printed_as_json(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({"rawPath": "/a"}))
    second.write_text(json.dumps({"rawPath": "/b"}))
    out = io.StringIO()

    status = invoke([first, second], handler=echo, out=out)

    assert status == 0
    decoder = json.JSONDecoder()
    text = out.getvalue()
    a, end = decoder.raw_decode(text)
    b, _ = decoder.raw_decode(text, end + 1)
    assert (a["body"], b["body"]) == ("/a", "/b")
    assert a["function"] == LambdaContext().function_name


def test_the_shared_event_files_are_valid_events() -> None:
    out = io.StringIO()

    assert invoke(sorted(EVENTS.glob("*.json")), handler=echo, out=out) == 0


def test_a_missing_event_file_exits_nonzero_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, Any]] = []

    status = invoke([tmp_path / "nope.json"], handler=lambda event, context: calls.append(event))

    assert status == 2
    assert "nope.json: no such event file" in capsys.readouterr().err
    assert calls == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "not JSON", id="broken-json"),
        pytest.param("[1, 2]", "holds a list", id="not-an-object"),
    ],
)
def test_an_event_file_that_is_not_a_json_object_exits_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "event.json"
    path.write_text(content)

    assert invoke([path], handler=echo) == 2
    assert message in capsys.readouterr().err


def test_a_handler_that_raises_is_reported_like_lambda_and_exits_nonzero(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{}")
    out = io.StringIO()

    def failing(event: dict[str, Any], context: Any) -> Any:
        raise ValueError("bad event")

    status = invoke([path], handler=failing, out=out)

    assert status == 1
    report = json.loads(out.getvalue())
    assert (report["errorType"], report["errorMessage"]) == ("ValueError", "bad event")


def test_the_fake_context_counts_down_from_the_function_timeout() -> None:
    context = LambdaContext(function_name="UsersFunction", timeout_seconds=10)

    assert 9000 < context.get_remaining_time_in_millis() <= 10000
    assert context.invoked_function_arn.endswith(":function:UsersFunction")
    assert context.log_group_name == "/aws/lambda/UsersFunction"
    assert context.memory_limit_in_mb.isdigit()


def test_events_reach_make_devs_dynamodb_local_unless_aws_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.setenv("DYNAMODB_LOCAL_PORT", "8123")
    invoke_module._point_at_local_dynamodb()
    assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8123"
    assert os.environ["TABLE_NAME"]
