"""Processes the fault tests stop and start: a Redis of the test's own, and the web server.

The shared Redis and PostgreSQL serve other test runs too; a test that stops Redis stops only
the one it started here.
"""

import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A private `redis-server` on a free port, with its append-only file in `directory`.

    Like the compose stack's Redis (--appendonly yes): what was queued when it stopped is there
    again when it starts.
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self, timeout=10):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [
                "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the private redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self):
        """Shut it down the way `docker compose stop redis` does (SIGTERM: the file is kept)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def production_web_command(port):
    """The Dockerfile's CMD (gunicorn, gthread workers), bound to this port on the loopback."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert command[0] == "gunicorn", command
    bind = command.index("--bind") + 1
    command[bind] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *command]


class Web:
    """gunicorn serving the dashboard as in production, with the given environment."""

    def __init__(self, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines = []
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            production_web_command(self.port),
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start:\n" + self.log()[-3000:])

    def log(self):
        return "".join(self.lines)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
