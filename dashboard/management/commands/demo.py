"""The demo: the dashboard filled by the sandbox, on embedded defaults, in one command.

Migrates, creates a demo agency with three client profiles and a login, then starts the sandbox,
a Celery worker, beat and the web server as child processes. Ctrl-C stops them all.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Membership, Profile, Workspace
from dashboard import sync
from dashboard.models import PlatformPost, SyncState

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-dashboard"  # noqa: S105 - printed on screen; a local demo login
PALETTE = ["#4f46e5", "#db2777", "#059669", "#d97706", "#0891b2"]


class Command(BaseCommand):
    help = "Run the demo: sandbox API, worker, beat and web server with a demo agency."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="web server port")
        parser.add_argument("--sandbox-port", type=int, default=8765)
        parser.add_argument("--posts", type=int, default=300, help="posts per profile")
        parser.add_argument(
            "--smoke",
            action="store_true",
            help="exit once the first sync has completed (0) or failed to within 90 s (1)",
        )

    def handle(self, *args, port, sandbox_port, posts, smoke, **options):
        # Stopped by a signal rather than Ctrl-C, still stop the children on the way out.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0)
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        env = {**os.environ, "AYRSHARE_API_URL": f"{sandbox_url}/api"}
        children = []
        try:
            children.append(self._start("sandbox", self._sandbox_cmd(sandbox_port, posts), env))
            keys = self._wait_for_sandbox(sandbox_url, children[0])
            workspace = self._demo_workspace(keys)
            sync_worker = self._celery(
                "worker", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-P", "threads", "-c", "4"
            )
            children.append(self._start("worker", sync_worker, env))
            # Report PDFs on their own queue, one Chromium at a time.
            reports = ["worker", "-Q", settings.REPORTS_QUEUE, "-c", "1", "-n", "reports@%h"]
            children.append(self._start("report-worker", self._celery(*reports), env))
            children.append(self._start("beat", self._celery("beat"), env))
            web = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
            children.append(self._start("web", web, env))
            self._kick_off(env)
            self._banner(port, workspace)
            if smoke:
                self._smoke(workspace, port, children)
            else:
                self._watch(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            # A second Ctrl-C or SIGTERM (uv forwards one too) must not cut the clean-up short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            _stop(children)

    # --- children ---------------------------------------------------------------------------

    def _sandbox_cmd(self, port, posts):
        return [
            sys.executable,
            "manage.py",
            "ayrshare_sandbox",
            "--port",
            str(port),
            "--profiles",
            "3",
            "--posts",
            str(posts),
            "--seed",
            "1",
        ]

    def _celery(self, *args):
        return [sys.executable, "-m", "celery", "-A", "dashboard", *args, "-l", "warning"]

    def _start(self, name, cmd, env):
        # A new process group per child, so Ctrl-C reaches us once and we stop them in order.
        process = subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
        process.demo_name = name
        return process

    def _wait_for_sandbox(self, url, process):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError("The sandbox stopped at start; is its port already in use?")
            try:
                return requests.get(f"{url}/_sandbox/keys", timeout=2).json()
            except (requests.RequestException, ValueError):
                time.sleep(0.3)
        raise CommandError("The sandbox did not start within 30 seconds.")

    def _kick_off(self, env):
        # Beat's first tick comes a minute after start; the demo should not wait for it.
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "dashboard",
                "call",
                "dashboard.tasks.dispatch_due_units",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            check=False,
            stdout=subprocess.DEVNULL,
        )

    def _watch(self, children):
        while True:
            for child in children:
                if child.poll() is not None:
                    raise CommandError(f"The {child.demo_name} process stopped unexpectedly.")
            time.sleep(1)

    # --- data -------------------------------------------------------------------------------

    def _demo_workspace(self, keys):
        workspace, _ = Workspace.objects.get_or_create(
            slug="demo-agency", defaults={"name": "Demo Agency"}
        )
        workspace.api_key = keys["apiKey"]
        workspace.save()
        profiles = []
        for i, entry in enumerate(keys["profiles"]):
            profile, _ = Profile.objects.get_or_create(workspace=workspace, title=entry["title"])
            profile.profile_key = entry["profileKey"]
            profile.ref_id = entry.get("refId", "")
            profile.platforms = entry.get("platforms", [])
            profile.color = PALETTE[i % len(PALETTE)]
            profile.save()
            profiles.append(profile)
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = user_model.objects.create_user(DEMO_USERNAME, password=DEMO_PASSWORD)
        Membership.objects.get_or_create(
            user=user, workspace=workspace, defaults={"role": Membership.Role.OWNER}
        )
        sync.ensure_units(profiles)
        return workspace

    def _banner(self, port, workspace):
        titles = ", ".join(workspace.profiles.values_list("title", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDashboard: http://127.0.0.1:{port}/\n"
                f"Login:     {DEMO_USERNAME} / {DEMO_PASSWORD}\n"
                f"Profiles:  {titles}\n"
                "Press Ctrl-C to stop.\n"
            )
        )

    def _smoke(self, workspace, port, children):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            for child in children:
                if child.poll() is not None:
                    raise CommandError(f"Smoke run: the {child.demo_name} process stopped.")
            history = SyncState.objects.filter(profile__workspace=workspace, unit="history")
            synced = history.filter(last_success__isnull=False).count()
            posts = PlatformPost.objects.filter(profile__workspace=workspace).count()
            if synced == history.count() and posts:
                status = requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=5)
                if status.status_code != 200:
                    raise CommandError(f"Smoke run: the web server answered {status.status_code}.")
                self.stdout.write(self.style.SUCCESS(f"Smoke run: {posts} network posts synced."))
                return
            time.sleep(1)
        raise CommandError("Smoke run: the first sync did not complete within 90 seconds.")


def _stop(children):
    # One at a time, last started first, so the worker finishes its task while the sandbox still
    # answers. SIGTERM goes to the child itself: Celery's main process then stops its own pool
    # (a warm shutdown); only what still runs after ten seconds loses its whole process group.
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
