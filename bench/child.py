"""One measured process: `python -I bench/child.py MODE STACK [ITERATION_MS REPEATS]`.

The harness starts a fresh interpreter per measurement and sends the events on standard input
as `marshal` data (a built-in module), read before the clock starts, so nothing that a stack
imports itself is loaded before then. The result is the last line of standard output, as JSON.

Modes:
  cold  import + init, then one GET /health; then an invalid request (outside the clock) to see
        whether either pulled in boto3.
  warm  swap storage for the in-memory store, then time each request case in a loop.
  ddb   import + init, then one GET /users/{userId} against DynamoDB Local.
"""

import marshal  # built in: loading it costs nothing that a stack would pay
import resource  # the harness's own probe, a small C module
import sys
import time

EVENTS = marshal.loads(sys.stdin.buffer.read())  # noqa: S302 - written by the harness itself

# What AWS's Python runtime interface client (awslambdaric's bootstrap) has imported before it
# imports a handler: loaded here too, before the clock, for every stack alike.
RUNTIME_PRELOADED = ("json", "logging", "os", "site", "time", "traceback", "warnings")
for _name in RUNTIME_PRELOADED:
    __import__(_name)
_START_USAGE = resource.getrusage(resource.RUSAGE_SELF)
T0 = time.perf_counter_ns()  # the clock starts here, before the stack's first import

_ROOT = sys.argv[0].rpartition("/bench/")[0] or "."
# BENCH_CODE_DIR runs the project from another copy of its code, such as the sam build output.
_CODE = __import__("os").environ.get("BENCH_CODE_DIR") or _ROOT + "/src"
sys.path[:0] = [_CODE, _ROOT]


class Context:
    """The parts of a Lambda context object that handlers read."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "bench-request"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu_ms_since_start() -> float:
    """CPU time (user + system) this process spent since the clock started: unlike elapsed time,
    it does not grow while other processes hold the cores."""
    now = resource.getrusage(resource.RUSAGE_SELF)
    spent = (now.ru_utime - _START_USAGE.ru_utime) + (now.ru_stime - _START_USAGE.ru_stime)
    return spent * 1000


def _quiet_logging() -> None:
    # Every stack alike: records are created, nothing is written (Python's last-resort handler
    # would otherwise print each WARNING to stderr, a cost that depends on the terminal).
    import logging  # noqa: PLC0415

    logging.getLogger().addHandler(logging.NullHandler())


def cold(stack: str, events: dict) -> dict:  # type: ignore[type-arg]
    module = __import__(f"bench.stacks.{stack}", fromlist=["handler"])
    t_init = time.perf_counter_ns()
    rss_init = _rss_kib()
    modules_init = len(sys.modules)
    response = module.handler(events["health"], Context())
    t_first = time.perf_counter_ns()
    cpu_ms = _cpu_ms_since_start()
    rss_first = _rss_kib()
    boto3_after_health = "boto3" in sys.modules
    _quiet_logging()
    invalid = {}
    if "invalid_body" in events:
        answer = module.handler(events["invalid_body"], Context())
        invalid = {"status": answer.get("statusCode"), "boto3_loaded": "boto3" in sys.modules}
    return {
        "init_ms": (t_init - T0) / 1e6,
        "first_response_ms": (t_first - t_init) / 1e6,
        "cold_ms": (t_first - T0) / 1e6,
        "cold_cpu_ms": cpu_ms,
        "rss_after_init_mib": rss_init / 1024,
        "rss_after_first_mib": rss_first / 1024,
        "modules_after_init": modules_init,
        "status": response.get("statusCode"),
        "boto3_after_health": boto3_after_health,
        "invalid_request": invalid,
    }


def ddb(stack: str, events: dict) -> dict:  # type: ignore[type-arg]
    module = __import__(f"bench.stacks.{stack}", fromlist=["handler"])
    t_init = time.perf_counter_ns()
    response = module.handler(events["get"], Context())
    t_first = time.perf_counter_ns()
    cpu_ms = _cpu_ms_since_start()
    return {
        "cold_cpu_ms": cpu_ms,
        "init_ms": (t_init - T0) / 1e6,
        "first_response_ms": (t_first - t_init) / 1e6,
        "cold_ms": (t_first - T0) / 1e6,
        "status": response.get("statusCode"),
        "body": str(response.get("body"))[:300],
    }


def warm(stack: str, events: dict, iteration_ms: float, repeats: int) -> dict:  # type: ignore[type-arg]
    import gc  # noqa: PLC0415
    import statistics  # noqa: PLC0415

    from bench.memstore import SEED_USER  # noqa: PLC0415

    _quiet_logging()
    module = __import__(f"bench.stacks.{stack}", fromlist=["handler"])
    store = module.use_memory_store()
    store.create(dict(SEED_USER))
    handler, context = module.handler, Context()
    clock = time.perf_counter_ns
    results = {}
    for case, spec in events["cases"].items():
        if spec is None:
            continue
        make = _event_maker(spec)
        # Warm up for a fixed time, which also tells how many calls fill one timed repeat.
        calls, started = 0, clock()
        while clock() - started < iteration_ms * 1e6 or calls < 5:
            answer = handler(make(), context)
            calls += 1
        per_call = (clock() - started) / calls
        n = max(5, min(50_000, int(iteration_ms * 1e6 / per_call)))
        samples = []
        for _ in range(repeats):
            batch = [make() for _ in range(n)]
            gc.collect()
            started = clock()
            for event in batch:
                answer = handler(event, context)
            samples.append((clock() - started) / n / 1000)
        results[case] = {
            "us": statistics.median(samples),
            "samples_us": samples,
            "calls_per_repeat": n,
            "status": answer.get("statusCode"),
            "boto3_loaded": "boto3" in sys.modules,
        }
    return {"cases": results, "rss_mib": _rss_kib() / 1024}


def _event_maker(spec: dict):  # type: ignore[no-untyped-def,type-arg]
    """The same event every call, or for creates a fresh email each call (emails are unique)."""
    event = spec["event"]
    if not spec.get("unique_email"):
        return lambda: event
    import itertools  # noqa: PLC0415
    import json  # noqa: PLC0415

    counter = itertools.count()
    body = json.loads(event["body"])

    def make() -> dict:  # type: ignore[type-arg]
        fresh = dict(event)
        fresh["body"] = json.dumps({**body, "email": f"user{next(counter)}@example.com"})
        return fresh

    return make


def main() -> None:
    mode, stack, events = sys.argv[1], sys.argv[2], EVENTS
    if mode == "cold":
        result = cold(stack, events)
    elif mode == "ddb":
        result = ddb(stack, events)
    else:
        result = warm(stack, events, float(sys.argv[3]), int(sys.argv[4]))
    import json  # noqa: PLC0415

    sys.stdout.write("\nBENCH-RESULT " + json.dumps(result) + "\n")


main()
