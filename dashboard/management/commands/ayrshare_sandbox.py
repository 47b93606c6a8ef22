"""Run the Ayrshare-compatible sandbox server until Ctrl-C (or SIGTERM).

python manage.py ayrshare_sandbox --port 8765 --profiles 3 --posts 300 --seed 1
python manage.py ayrshare_sandbox --shapes 2024   # Ayrshare's older answer shapes

Under load, as the capacity benchmark runs it: Ayrshare-like latency drawn per call (median and
99th percentile; big pages take longer), thousands of profiles (each built on first use, so
startup does not grow with --profiles) and a bounded call log:

python manage.py ayrshare_sandbox --profiles 10000 --posts 20 \
    --latency-median-ms 300 --latency-p99-ms 2000 --call-log-size 20000

GET /_sandbox/stats answers the sandbox's own CPU seconds, requests served and in flight, so a
benchmark can report the sandbox's share of the machine. Only the first profiles are listed at
start; GET /_sandbox/keys has them all.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from dashboard.ayrshare.sandbox import Sandbox, SandboxConfig
from dashboard.ayrshare.sandbox.config import SHAPES

PROFILES_LISTED = 20


class Command(BaseCommand):
    help = "Serve a deterministic, Ayrshare-compatible API with synthetic data for demos and tests."
    # The sandbox uses no model, URL or template: Django's system checks only slow its start.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--profiles", type=int, default=3)
        parser.add_argument("--posts", type=int, default=300, help="Ayrshare posts per profile")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", help="sandbox time at start, ISO 8601 (default: now)")
        parser.add_argument(
            "--speed", type=float, default=1.0, help="sandbox seconds per real second"
        )
        parser.add_argument(
            "--interval-scale",
            type=float,
            default=1.0,
            help="multiplies every update interval (0.05: nextUpdate comes 20x as often)",
        )
        parser.add_argument(
            "--rate-limit", type=int, default=300, help="requests per profile per window"
        )
        parser.add_argument("--rate-window", type=float, default=300.0, help="window in seconds")
        parser.add_argument("--no-rate-limit", action="store_true")
        parser.add_argument(
            "--no-retry-after", action="store_true", help="send 429s without Retry-After"
        )
        parser.add_argument("--error-rate", type=float, default=0.0)
        parser.add_argument("--timeout-rate", type=float, default=0.0)
        parser.add_argument("--timeout-seconds", type=float, default=30.0)
        parser.add_argument("--malformed-rate", type=float, default=0.0)
        parser.add_argument(
            "--latency-ms", type=int, default=0, help="fixed delay added to every API call"
        )
        parser.add_argument(
            "--latency-median-ms",
            type=float,
            default=0,
            help="median of each call's drawn delay (log-normal; 0: off)",
        )
        parser.add_argument(
            "--latency-p99-ms",
            type=float,
            default=0,
            help="99th percentile of each call's drawn delay; >= the median",
        )
        parser.add_argument(
            "--call-log-size",
            type=int,
            default=100_000,
            help="API calls kept for GET /_sandbox/calls, about 1.2 KB each (oldest go first)",
        )
        parser.add_argument("--api-key", help='default: "sandbox-<seed>-api-key"')
        parser.add_argument(
            "--shapes",
            choices=SHAPES,
            default="current",
            help="answer in today's Ayrshare shapes (current) or the older ones (2024)",
        )

    def handle(self, *args, **options):
        if options["call_log_size"] < 1:
            raise CommandError("--call-log-size must be at least 1")
        if options["interval_scale"] <= 0:
            raise CommandError("--interval-scale must be above 0")
        try:
            config = self._config(options)
        except ValueError as exc:  # the latency pair is the one check argparse cannot make
            raise CommandError(f"--latency-median-ms and --latency-p99-ms: {exc}") from None
        sandbox = Sandbox(config).start()
        # Sandbox keys are not secrets: printing them is how the demo gets wired up.
        self.stdout.write(f"Ayrshare sandbox at {sandbox.url}")
        self.stdout.write(f"API key: {sandbox.api_key}")
        for profile in sandbox.world.profiles[:PROFILES_LISTED]:
            platforms = ", ".join(profile.platforms)
            self.stdout.write(
                f"Profile {profile.index} {profile.title!r}: {profile.key} ({platforms})"
            )
        more = len(sandbox.world.profiles) - PROFILES_LISTED
        if more > 0:
            self.stdout.write(f"... and {more} more profiles (GET /_sandbox/keys lists them all)")
        self.stdout.write(f"Answer shapes: {config.shapes} (change live: POST /_sandbox/config)")
        self.stdout.write(f"Control routes under {sandbox.base_url}/_sandbox/. Ctrl-C to stop.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
            self.stdout.write("Sandbox stopped.")

    def _config(self, options) -> SandboxConfig:
        return SandboxConfig(
            host=options["host"],
            port=options["port"],
            profiles=options["profiles"],
            posts=options["posts"],
            seed=options["seed"],
            start=options["start"],
            speed=options["speed"],
            interval_scale=options["interval_scale"],
            api_key=options["api_key"],
            rate_limit=options["rate_limit"],
            rate_window=options["rate_window"],
            rate_limit_enabled=not options["no_rate_limit"],
            retry_after=not options["no_retry_after"],
            error_rate=options["error_rate"],
            timeout_rate=options["timeout_rate"],
            timeout_seconds=options["timeout_seconds"],
            malformed_rate=options["malformed_rate"],
            latency_ms=options["latency_ms"],
            latency_median_ms=options["latency_median_ms"],
            latency_p99_ms=options["latency_p99_ms"],
            call_log_size=options["call_log_size"],
            shapes=options["shapes"],
        )
