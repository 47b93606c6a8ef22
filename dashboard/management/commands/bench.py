"""`manage.py bench`: the agency-scale benchmark (see docs/performance.md)."""

import dataclasses
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Profile
from dashboard.bench import (
    capacity,
    downloads,
    load,
    pdfs,
    pipeline,
    report,
    resilience,
    seed,
    sends,
    web,
)
from dashboard.models import AccountMetrics, DailyMetrics, MetricSnapshot, PlatformPost

SMALL_POSTS = 10_000
QUICK_POSTS = 100_000


class Command(BaseCommand):
    help = "Seed agency-sized workspaces on PostgreSQL and measure pages, export and sync."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=1_000_000)
        parser.add_argument("--profiles", type=int, default=300)
        parser.add_argument(
            "--quick", action="store_true", help=f"{QUICK_POSTS:,} posts: a smoke run for CI"
        )
        parser.add_argument("--repeat", type=int, default=7, help="timed runs per p50")
        parser.add_argument(
            "--load-only",
            action="store_true",
            help="only the load test (L1 to L3): simulated people with the sync running",
        )
        parser.add_argument(
            "--capacity",
            action="store_true",
            help="only the sync capacity (C1 to C6): real-time sync of many sandbox profiles",
        )
        parser.add_argument(
            "--capacity-profiles",
            type=int,
            default=None,
            help=f"profiles of the capacity run (default {capacity.FULL.profiles:,}, "
            f"{capacity.QUICK.profiles} with --quick)",
        )
        parser.add_argument(
            "--steady-minutes",
            type=float,
            default=None,
            help="the capacity run's steady window after the backlog, in minutes",
        )
        parser.add_argument(
            "--capacity-search",
            action="store_true",
            help="also search upward from 1,000 profiles for the most that C1 holds for",
        )
        parser.add_argument(
            "--json",
            type=Path,
            default=None,
            help="where to write the results (default: DATA_DIR/bench-results.json)",
        )

    def handle(self, *args, posts, profiles, quick, repeat, json, load_only, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark measures PostgreSQL (COPY, its planner, its indexes). Set "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/dashboard and run it again."
            )
        if quick:
            posts = QUICK_POSTS
        if posts < SMALL_POSTS * 2 or not 2 <= profiles <= posts // 100:
            raise CommandError(
                f"Need --posts >= {SMALL_POSTS * 2:,} and 2 <= --profiles <= posts / 100."
            )
        scale = _capacity_scale(quick, options)
        started = time.perf_counter()
        _vacuum()
        results, sections = [], {}
        if options["capacity"]:
            results += self._section(
                sections, "capacity", lambda: capacity.measure(scale, log=self._say)
            )
        elif not load_only:
            results, sections = self._run(posts, profiles, repeat)
            # After the seeded workspaces are gone: the workers' dispatcher sees every profile.
            politeness = resilience.QUICK if quick else resilience.FULL
            results += self._section(
                sections, "resilience", lambda: resilience.measure(politeness, log=self._say)
            )
            if quick:
                # The full capacity run syncs 10,000 profiles in real time, which takes hours:
                # it runs only when asked for (--capacity); CI's quick run covers a small size.
                results += self._section(
                    sections, "capacity", lambda: capacity.measure(scale, log=self._say)
                )
            results.append(pipeline.task_timing())
            mail = sends.QUICK if quick else sends.FULL
            results += self._section(sections, "sends", lambda: sends.measure(mail, log=self._say))
        if not options["capacity"]:
            # Last, on its own: its processes need the machine to themselves.
            crowd = load.QUICK if quick else load.FULL
            results += self._section(sections, "load", lambda: load.measure(crowd, log=self._say))
        self.stdout.write("\n" + report.table(results) + "\n")
        failed = [r.goal for r in results if r.passed is False]
        self.stdout.write(
            f"\n{sum(r.passed is True for r in results)} pass, {len(failed)} fail "
            f"({', '.join(dict.fromkeys(failed)) or 'none'}), "
            f"{sum(r.passed is None for r in results)} not measured; "
            f"{time.perf_counter() - started:.0f} s in all\n"
        )
        path = json or Path(settings.DATA_DIR) / "bench-results.json"
        meta = {
            "posts": posts,
            "profiles": profiles,
            "small_posts": SMALL_POSTS,
            "repeat": repeat,
            "finished_at": timezone.now().isoformat(),
            "sections_s": sections,
        }
        report.write_json(path, results, meta)
        self.stdout.write(f"Results written to {path}\n")

    def _run(self, posts, profiles, repeat):
        sections = {}
        seeded = []
        try:
            small = self._section(
                sections, "seed", lambda: seed.seed_workspace("small", SMALL_POSTS, profiles)
            )
            seeded.append(small)
            big = self._section(
                sections, "seed", lambda: seed.seed_workspace("big", posts, profiles)
            )
            seeded.append(big)
            seconds = big.seconds + small.seconds
            _analyze()
            self.stdout.write(f"seeded {big.posts:,} + {small.posts:,} posts in {seconds:.0f} s")
            big_browser, small_browser = web.Browser(big), web.Browser(small)
            results = []
            results += self._section(
                sections, "history", lambda: web.history(big_browser, small_browser, repeat)
            )
            results += self._section(
                sections, "overview", lambda: web.overview(big_browser, small_browser, repeat)
            )
            # Then as a synced agency has them: a year of daily follower counts per network.
            self._section(sections, "seed", lambda: [seed.seed_followers(s) for s in seeded])
            _analyze()
            results += self._section(
                sections,
                "overview",
                lambda: web.overview(
                    big_browser, small_browser, repeat, followers=", with a year of followers"
                ),
            )
            results.append(
                self._section(sections, "template", lambda: web.template_per_row(big, repeat))
            )
            results += self._section(
                sections, "export", lambda: downloads.measure(big, small, repeat)
            )
            results += self._section(sections, "pdf", lambda: pdfs.measure(big))
            empty = Profile.objects.bulk_create(
                Profile(workspace=big.workspace, title=title) for title in ("upsert", "baseline")
            )
            big.profiles += empty
            # At least one full batch, or "statements per 1,000 posts" means nothing.
            sync_rows = min(max(posts // 10, pipeline.BATCH), 100_000)
            results += self._section(
                sections, "sync", lambda: pipeline.upsert_speed(empty, sync_rows)
            )
            return results, sections
        finally:
            for workspace in seeded:
                seed.drop(workspace)

    def _say(self, text):
        self.stdout.write(text)
        self.stdout.flush()

    def _section(self, sections, name, work):
        self._say(f"{name}…")
        started = time.perf_counter()
        value = work()
        sections[name] = round(sections.get(name, 0) + time.perf_counter() - started, 1)
        return value


def _capacity_scale(quick, options):
    """The capacity run's size: QUICK or FULL, with the command line's changes."""
    scale = capacity.QUICK if quick else capacity.FULL
    changes = {}
    if options["capacity_profiles"] is not None:
        if options["capacity_profiles"] < 2:
            raise CommandError("--capacity-profiles needs at least 2 (C5 runs half of them).")
        changes["profiles"] = options["capacity_profiles"]
    if options["steady_minutes"] is not None:
        if options["steady_minutes"] <= 0:
            raise CommandError("--steady-minutes must be above zero.")
        changes["steady_minutes"] = options["steady_minutes"]
    if options["capacity_search"]:
        changes["search"] = True
    return dataclasses.replace(scale, **changes)


def _analyze():
    """Fresh planner statistics and visibility maps, as autovacuum keeps them in production
    after a large insert. Without them a quick run plans for the near-empty tables of its start
    (sequential scans for every page) and its index-only scans visit the table anyway."""
    models = (PlatformPost, MetricSnapshot, DailyMetrics, AccountMetrics)
    tables = ", ".join(model._meta.db_table for model in models)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # a test's transaction: VACUUM cannot run in one
            cursor.execute(f"ANALYZE {tables}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {tables}")


def _vacuum():
    """Reclaim what earlier runs deleted: the dead rows of a million-row delete slow every insert
    and index scan of the next run. VACUUM cannot run inside a transaction (a test's)."""
    if connection.in_atomic_block:
        return
    tables = [
        model._meta.db_table
        for model in (PlatformPost, MetricSnapshot, DailyMetrics, AccountMetrics)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
