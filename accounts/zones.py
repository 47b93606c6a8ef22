"""A workspace's days: while inside a workspace, local dates and times are its zone's.

The gate (access.workspace_member) enters the workspace of every request under /w/<workspace>/;
code outside a request (the report worker) enters it with `entered`. Besides the zone, it
records whether the workspace's rollups are built in that zone (dashboard/rollups.usable):
they trail the zone while a rebuild runs, and pages read the raw rows meanwhile.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.utils import timezone

# The zone the entered workspace's rollups are built in, "" while they are being rebuilt;
# None outside any workspace (a shell, a test), where rollups are in settings.TIME_ZONE.
_rollups_zone = ContextVar("rollups_zone", default=None)


def _built_in(workspace):
    return "" if workspace.recounting else workspace.rollups_zone


def activate(workspace):
    """For the rest of this request. Not undone when the view returns: a streamed CSV is
    written after that and its times must stay local; `leave` runs at the next request."""
    timezone.activate(workspace.time_zone)
    _rollups_zone.set(_built_in(workspace))


def leave():
    timezone.deactivate()
    _rollups_zone.set(None)


@contextmanager
def entered(workspace):
    """Inside the block, days are the workspace's (e.g. a report rendered by a worker)."""
    token = _rollups_zone.set(_built_in(workspace))
    try:
        with timezone.override(workspace.time_zone):
            yield
    finally:
        _rollups_zone.reset(token)


def rollups_zone():
    """The zone the current workspace's rollups are built in, "" while being rebuilt."""
    built = _rollups_zone.get()
    return settings.TIME_ZONE if built is None else built


def recounting():
    """Are the current workspace's rollups being rebuilt in its new zone?"""
    return _rollups_zone.get() == ""


def middleware(get_response):
    """Every request starts outside any workspace: a zone activated by the gate in the
    previous request of this thread must not leak into the next one."""

    def leave_then_respond(request):
        leave()
        return get_response(request)

    return leave_then_respond
