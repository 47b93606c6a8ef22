"""A Redis of the test's own, which the fault tests stop and start (the web server they also
start is dashboard.bench.workers.Web).

The shared Redis and PostgreSQL serve other test runs too; a test that stops Redis stops only
the one it started here.
"""

import subprocess
import time
from pathlib import Path

import redis

from dashboard.bench.workers import free_port


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
