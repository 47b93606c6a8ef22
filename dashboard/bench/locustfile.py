"""The people of the load test (dashboard/bench/load.py starts locust with this file).

Each simulated person signs in once, then opens pages with 1 to 3 seconds between them, the way
a team reads the dashboard before a call: mostly the overview and the posts, now and then a
post's details, the agency table, the audience, the sync page (and its poll) and a CSV. A client
(one person in five) sees only their own profiles and has no agency table.

Requests are named by page kind, so locust's figures come out per kind. LOAD_PEOPLE names a JSON
file: {"slug": …, "password": …, "people": [{"username": …, "client": bool}, …]}.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

with open(os.environ["LOAD_PEOPLE"]) as file:
    SETUP = json.load(file)
PEOPLE = itertools.cycle(SETUP["people"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN = re.compile(r'id="sync-seen" name="seen" value="([0-9a-f]*)"')
DETAIL = re.compile(r'href="(/w/[^"]+/posts/\d+/)"')
PERIODS = ("7", "28", "90", "month", "")
NETWORKS = ("facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube")
SORTS = ("-published_at", "-likes", "-impressions", "-engagement_rate", "published_at")


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        person = next(PEOPLE)
        self.client_role = person["client"]
        self.base = f"/w/{SETUP['slug']}/"
        self.details = []
        self.seen = ""  # the sync page's token of what it shows: its poll sends it back
        form = self.client.get("/accounts/login/", name="sign-in form")
        token = CSRF.search(form.text).group(1)
        self.client.post(
            "/accounts/login/",
            {
                "username": person["username"],
                "password": SETUP["password"],
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
