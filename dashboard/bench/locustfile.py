"""The people of the load test (dashboard/bench/load.py starts locust with this file).

Each simulated person signs in once, then opens pages with 1 to 3 seconds between them, the way
a team reads the dashboard before a call: mostly the overview and the posts, now and then a
post's details, the agency table, the audience, the sync page (and its poll) and a CSV. A client
(one person in five) sees only their own profiles and has no agency table.

Requests are named by page kind, so locust's figures come out per kind. The people come from a
JSON file: {"slug": …, "password": …, "people": [{"username": …, "client": bool}, …]}, named by
`--people FILE` on locust's command line.
"""

import itertools
import json
import random
import re

from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN = re.compile(r'id="sync-seen" name="seen" value="([0-9a-f]*)"')
DETAIL = re.compile(r'href="(/w/[^"]+/posts/\d+/)"')
PERIODS = ("7", "28", "90", "month", "")
NETWORKS = ("facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube")
SORTS = ("-published_at", "-likes", "-impressions", "-engagement_rate", "published_at")


RECORDS = []  # [started (epoch s), page kind, milliseconds, failed] of every request


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--people", required=True, help="the JSON file of people to play")
    parser.add_argument("--record", required=True, help="where to write every request's time")


@events.init.add_listener
def _read_people(environment, **_kwargs):
    with open(environment.parsed_options.people) as file:
        Person.setup = json.load(file)
    Person.people = itertools.cycle(Person.setup["people"])


@events.request.add_listener
def _record(name, response_time, exception, start_time, **_kwargs):
    # Each request, not locust's rounded percentiles: the benchmark picks its own window.
    RECORDS.append((start_time, name, response_time, exception is not None))


@events.quitting.add_listener
def _write_records(environment, **_kwargs):
    with open(environment.parsed_options.record, "w") as file:
        json.dump(RECORDS, file)


class Person(HttpUser):
    wait_time = between(1, 3)
    setup, people = {}, iter(())

    def on_start(self):
        person = next(self.people)
        self.client_role = person["client"]
        self.base = f"/w/{self.setup['slug']}/"
        self.details = []
        self.seen = ""  # the sync page's token of what it shows: its poll sends it back
        form = self.client.get("/accounts/login/", name="sign-in form")
        token = CSRF.search(form.text).group(1)
        self.client.post(
            "/accounts/login/",
            {
                "username": person["username"],
                "password": self.setup["password"],
                "csrfmiddlewaretoken": token,
                "next": self.base,
            },
            headers={"Referer": form.url},
            name="sign-in",
        )

    def htmx(self, target):
        return {"HX-Request": "true", "HX-Target": target}

    @task(4)
    def overview(self):
        self.client.get(self.base, name="overview")

    @task(2)
    def overview_period(self):
        period = random.choice(PERIODS)
        self.client.get(
            f"{self.base}?range={period}", headers=self.htmx("overview"), name="overview: period"
        )

    @task(4)
    def posts(self):
        page = self.client.get(f"{self.base}posts/", name="posts")
        self.details = DETAIL.findall(page.text)[:10] or self.details

    @task(3)
    def posts_filtered(self):
        query = f"range={random.choice(PERIODS)}&sort={random.choice(SORTS)}"
        if random.random() < 0.5:
            query += f"&platforms={random.choice(NETWORKS)}"
        self.client.get(
            f"{self.base}posts/?{query}", headers=self.htmx("results"), name="posts: filter"
        )

    @task(2)
    def post_detail(self):
        if self.details:
            self.client.get(
                random.choice(self.details), headers=self.htmx("drawer"), name="post details"
            )

    @task(2)
    def agency(self):
        if not self.client_role:
            self.client.get(f"{self.base}agency/", name="agency")

    @task(1)
    def audience(self):
        self.client.get(f"{self.base}audience/", name="audience")

    @task(1)
    def sync_page(self):
        self.remember_seen(self.client.get(f"{self.base}sync/", name="sync"))

    @task(2)
    def sync_poll(self):
        poll = self.client.get(
            f"{self.base}sync/?seen={self.seen}",
            headers=self.htmx("sync-progress"),
            name="sync: poll",
        )
        self.remember_seen(poll)

    def remember_seen(self, response):
        found = SEEN.search(response.text)
        self.seen = found.group(1) if found else self.seen

    @task(1)
    def export(self):
        self.client.get(f"{self.base}posts/export.csv", name="CSV export")
