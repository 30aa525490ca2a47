"""The load command runs end to end and fails on errors (its figures come from `make load`)."""

import pytest

from local import load

pytestmark = pytest.mark.integration


def test_a_short_load_run_finishes_without_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert load.main(["--seconds", "2", "--clients", "2"]) == 0
    out = capsys.readouterr().out
    assert "errors: 0" in out
    assert "| create |" in out


def test_an_unexpected_status_counts_as_a_failure() -> None:
    recorder = load.Recorder()
    recorder.add("get", 200, 0.01)
    recorder.add("get", 503, 0.01)
    assert recorder.failures == ["get -> 503"]
