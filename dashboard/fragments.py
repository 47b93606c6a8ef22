"""Pages whose regions htmx swaps: one template per page, one inline partial per region.

The view renders the whole page, or only the partial when htmx asks to swap that region
(chosen by HX-Target, so several regions of one page do not collide). A history restore asks
for the whole page.
"""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants(request, target):
    """True when htmx asks to swap the element with id `target`."""
    htmx = request.htmx
    return bool(htmx) and htmx.target == target and not htmx.history_restore_request


def render_page(request, template, context, *, target, partial=None, invalid=False):
    """The page, or its `partial` (default: named like the target) for htmx.

    `invalid`: the query string was refused. The page answers 400; a fragment answers 200
    because htmx does not swap a 4xx answer, and the message must replace the old rows.
    """
    in_place = wants(request, target)
    if in_place:
        template = f"{template}#{partial or target}"
    response = render(request, template, context, status=400 if invalid and not in_place else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response
