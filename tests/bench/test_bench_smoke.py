"""The benchmark harness runs end to end (quick mode, this project's stack and the bare floor).

Only the shape of the results is checked: timings on a shared machine vary too much to assert.
The alternatives need .venv-bench and are not run here.
"""

import inspect
import json

import pytest

from bench import __main__ as bench_main
from bench.events import CASES, DB_FREE_CASES
from bench.memstore import MemoryStore
from users.storage import UserStore


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    code = bench_main.main(
        [
            "--quick",
            "--stacks",
            "project,bare",
            "--no-ddb",
            "--artifact",
            "skip",
            "--no-chart",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    document = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    document["markdown"] = (out / "latest.md").read_text(encoding="utf-8")
    return document


def test_quick_run_measures_cold_start_memory_and_modules_of_both_stacks(quick_run: dict) -> None:
    stacks = quick_run["summary"]["stacks"]
    assert set(stacks) == {"project", "bare"}
    for entry in stacks.values():
        for name in (
            "init_ms",
            "first_response_ms",
            "cold_ms",
            "cold_cpu_ms",
            "wall_ms",
            "rss_after_init_mib",
        ):
            assert entry[name] > 0, name
        assert entry["cold_statuses"] == [200]


def test_quick_run_times_every_request_case_with_the_expected_status(quick_run: dict) -> None:
    stacks = quick_run["summary"]["stacks"]
    expected = {
        "health": 200,
        "invalid_body": 400,
        "invalid_query": 400,
        "unknown_route": 404,
        "create": 201,
        "get": 200,
    }
    assert {case: stacks["project"]["warm"][case]["statuses"] for case in CASES} == {
        case: [status] for case, status in expected.items()
    }
    # The floor validates nothing, so it is not timed on invalid requests.
    assert set(stacks["bare"]["warm"]) == {"health", "unknown_route", "create", "get"}
    assert all(stacks["project"]["warm"][case]["us"] > 0 for case in CASES)


def test_requests_that_need_no_dynamodb_do_not_import_boto3(quick_run: dict) -> None:
    project = quick_run["summary"]["stacks"]["project"]
    assert project["boto3_after_health"] is False
    assert project["boto3_after_invalid"] is False
    assert not any(project["warm"][case]["boto3_loaded"] for case in DB_FREE_CASES)


def test_quick_run_reports_every_target_and_leaves_the_skipped_ones_unjudged(quick_run: dict) -> None:
    verdicts = {t["target"]: t["pass"] for t in quick_run["summary"]["targets"]}
    assert verdicts["first DynamoDB request of a cold process vs bare boto3"] is None
    assert verdicts["deployment artifact, zipped"] is None
    assert isinstance(verdicts["warm GET /health vs bare"], bool)
    assert isinstance(verdicts["cold start above the bare handler"], bool)
    assert "## Targets" in quick_run["markdown"]
    assert quick_run["raw"]["machine"]["python"].startswith("3.")


def test_the_in_memory_store_offers_every_public_method_of_the_dynamodb_store() -> None:
    """Warm timings stub storage with MemoryStore: it must keep up with UserStore's interface."""
    public = {
        name for name in vars(UserStore) if not name.startswith("_") and callable(getattr(UserStore, name))
    }
    for name in public:
        assert hasattr(MemoryStore, name), name
        ours = list(inspect.signature(getattr(MemoryStore, name)).parameters)
        theirs = list(inspect.signature(getattr(UserStore, name)).parameters)
        assert ours == theirs, name
