"""A bounded load run against the local API on loopback: throughput, latency percentiles, errors.

`python -m local.load [--seconds 60] [--clients 8]` starts its own DynamoDB Local (in memory) and
the local API on a free loopback port, then runs a mix of creates, reads, lists and patches from
several concurrent clients for the given time. It exits non-zero if any request failed: a 5xx, a
status the mix did not expect, or a connection error. It only ever talks to 127.0.0.1.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from werkzeug.serving import make_server

from local import server
from local.dynamodb_local import DynamoDBLocal
from local.tables import create_table

EXPECTED = {"create": {201}, "get": {200}, "list": {200}, "patch": {200}, "conflict": {409}}


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.failures: list[str] = []

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self._lock:
            self.latencies.setdefault(kind, []).append(seconds * 1000)
            self.statuses[(kind, status)] += 1
            if status not in EXPECTED[kind]:
                self.failures.append(f"{kind} -> {status}")


def client_loop(base: str, deadline: float, recorder: Recorder, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a request mix, not secrecy
    session = requests.Session()
    mine: list[str] = []  # ids of the users this client created
    taken = ""  # an email this client already used, to provoke a 409
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.2 or not mine:
            kind, method, path = "create", "POST", "/users"
            body: Any = {"email": f"{uuid.uuid4().hex}@example.com", "name": "Load", "tags": ["load"]}
        elif roll < 0.25:
            kind, method, path = "conflict", "POST", "/users"
            body = {"email": taken.upper(), "name": "Dup"}
        elif roll < 0.65:
            kind, method, path, body = "get", "GET", f"/users/{rng.choice(mine)}", None
        elif roll < 0.85:
            kind, method, path, body = "list", "GET", "/users?limit=20&tag=load", None
        else:
            kind, method, path = "patch", "PATCH", f"/users/{rng.choice(mine)}"
            body = {"bio": f"bio {rng.random()}"}
        started = time.perf_counter()
        try:
            reply = session.request(method, base + path, json=body, timeout=10)
        except requests.RequestException as error:
            recorder.failures.append(f"{kind}: {type(error).__name__}")
            continue
        recorder.add(kind, reply.status_code, time.perf_counter() - started)
        if kind == "create" and reply.status_code == 201:
            mine.append(reply.json()["id"])
            taken = taken or body["email"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(recorder: Recorder, seconds: float, clients: int) -> str:
    every = [v for values in recorder.latencies.values() for v in values]
    lines = [
        f"{len(every)} requests from {clients} clients in {seconds:.0f} s: "
        f"{len(every) / seconds:.0f} requests/s",
        f"errors: {len(recorder.failures)}",
        "",
        "| request | count | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for kind, values in sorted(recorder.latencies.items()):
        lines.append(
            f"| {kind} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.9):.1f} "
            f"| {percentile(values, 0.99):.1f} | {max(values):.1f} |"
        )
    lines.append(
        f"| all | {len(every)} | {statistics.median(every):.1f} | {percentile(every, 0.9):.1f} "
        f"| {percentile(every, 0.99):.1f} | {max(every):.1f} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)

    logging.getLogger("dispatch").setLevel(logging.WARNING)
    with DynamoDBLocal(port=0, db_path=None) as dynamodb:
        server.configure_environment(dynamodb.endpoint)
        os.environ["TABLE_NAME"] = f"load-{uuid.uuid4().hex[:8]}"
        import boto3  # noqa: PLC0415 - after the environment points at DynamoDB Local

        create_table(boto3.client("dynamodb"), os.environ["TABLE_NAME"])
        httpd = make_server(
            server.HOST,
            0,
            server.LocalApi(server.load_handler()),
            threaded=True,
            request_handler=server._QuietRequestHandler,
        )
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://{server.HOST}:{httpd.server_port}"
        recorder = Recorder()
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            for seed in range(args.clients):
                pool.submit(client_loop, base, deadline, recorder, seed)
        elapsed = time.monotonic() - started
        httpd.shutdown()
    print(report(recorder, elapsed, args.clients))
    for failure in Counter(recorder.failures).most_common(10):
        print("failed:", *failure, file=sys.stderr)
    return 1 if recorder.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
