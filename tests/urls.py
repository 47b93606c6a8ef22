"""Every URL pattern of the project, from the resolver, and a way to fill in its parameters."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def project_patterns():
    """(route, pattern) of every URL but Django's admin (which has its own staff gate)."""
    return [(route, p) for route, p in patterns() if not route.startswith("admin/")]


def fill(route, **values):
    """The route as a path, its parameters taken from values (a missing one fails loudly)."""

    def value(match):
        name = match.group(2)
        assert name in values, f"no value for URL parameter {name!r} in {route!r}"
        return str(values[name])

    return "/" + PARAM.sub(value, route)


def body(response):
    """The bytes of a response, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
