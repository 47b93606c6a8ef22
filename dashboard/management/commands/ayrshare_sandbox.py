"""Run the Ayrshare-compatible sandbox server until Ctrl-C (or SIGTERM).

python manage.py ayrshare_sandbox --port 8765 --profiles 3 --posts 300 --seed 1
python manage.py ayrshare_sandbox --shapes 2024   # Ayrshare's older answer shapes
"""

import signal
import threading

from django.core.management.base import BaseCommand

from dashboard.ayrshare.sandbox import Sandbox, SandboxConfig
from dashboard.ayrshare.sandbox.config import SHAPES


class Command(BaseCommand):
    help = "Serve a deterministic, Ayrshare-compatible API with synthetic data for demos and tests."

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
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--api-key", help='default: "sandbox-<seed>-api-key"')
        parser.add_argument(
            "--shapes",
            choices=SHAPES,
            default="current",
            help="answer in today's Ayrshare shapes (current) or the older ones (2024)",
        )

    def handle(self, *args, **options):
        config = SandboxConfig(
            host=options["host"],
            port=options["port"],
            profiles=options["profiles"],
            posts=options["posts"],
            seed=options["seed"],
            start=options["start"],
            speed=options["speed"],
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
            shapes=options["shapes"],
        )
        sandbox = Sandbox(config).start()
        # Sandbox keys are not secrets: printing them is how the demo gets wired up.
        self.stdout.write(f"Ayrshare sandbox at {sandbox.url}")
        self.stdout.write(f"API key: {sandbox.api_key}")
        for profile in sandbox.world.profiles:
            platforms = ", ".join(profile.platforms)
            self.stdout.write(
                f"Profile {profile.index} {profile.title!r}: {profile.key} ({platforms})"
            )
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
