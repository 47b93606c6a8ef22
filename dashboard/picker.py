"""The profiles filter: a list while a workspace's profiles fit one, a search beyond that.

A <select multiple> of 10,000 options is half a megabyte on every page and nobody finds a
client in it. Past LIST_LIMIT profiles the filter shows the chosen ones, then those whose
title matches what the person types, fetched as they type (views.profile_matches).
"""

from dataclasses import dataclass

from accounts.forms import parse_id

LIST_LIMIT = 100  # profiles one list shows
MATCHES = 20  # matching profiles a search shows at once
QUERY_LENGTH = 100  # longer titles exist nowhere; longer text is cut, not refused


@dataclass
class Picker:
    search: bool  # False: `options` is every profile, as (id, title, chosen)
    options: list  # a search's matches not yet chosen, as (id, title)
    chosen: list  # (id, title) of the chosen profiles, shown first in a search
    query: str = ""
    total: int = 0  # profiles the person may pick from
    found: int = 0  # of them, matches not yet chosen

    @property
    def status(self):
        """What the search found, in words (read out as it changes)."""
        shown = len(self.options)
        if not self.query:
            return f"Showing {shown} of {self.total:,} profiles. Type a name to find others."
        if not self.found:
            return f"No other profile matches “{self.query}”."
        if shown < self.found:
            return (
                f"Showing {shown} of {self.found:,} profiles matching “{self.query}”. "
                "Type more of the name to narrow them."
            )
        return f"{shown} profile{'' if shown == 1 else 's'} match “{self.query}”."


def build(profiles, chosen_values, query=""):
    """The picker for `profiles` (ordered as listed) with `chosen_values` (the query string's
    ?profiles=, unchecked: ids not among `profiles` are left out here, refused by the form)
    and the text typed in its search."""
    first = list(profiles.values_list("pk", "title")[: LIST_LIMIT + 1])  # one query for a list
    if len(first) > LIST_LIMIT:
        return search(profiles, chosen_values, query)
    chosen_ids = _ids(chosen_values)
    return Picker(False, [(pk, title, pk in chosen_ids) for pk, title in first], [], "", len(first))


def search(profiles, chosen_values, query):
    """The chosen profiles, then the first MATCHES others whose title contains `query`."""
    chosen_ids = _ids(chosen_values)
    # Spaces tidied, control characters dropped (PostgreSQL's text cannot hold a NUL).
    words = "".join(ch for ch in str(query or "") if ch.isprintable() or ch.isspace()).split()
    query = " ".join(words)[:QUERY_LENGTH]
    chosen = list(profiles.filter(pk__in=chosen_ids).values_list("pk", "title"))
    matching = profiles.exclude(pk__in=chosen_ids)
    if query:
        matching = matching.filter(title__icontains=query)
    options = list(matching.values_list("pk", "title")[:MATCHES])
    found = len(options) if len(options) < MATCHES else matching.count()
    return Picker(True, options, chosen, query, profiles.count(), found)


def _ids(values):
    return {pk for pk in map(parse_id, values or ()) if pk is not None}
