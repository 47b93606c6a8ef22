"""The Content-Security-Policy header of every response, from settings.

SECURE_CSP is enforced, SECURE_CSP_REPORT_ONLY only reported: each maps a directive to its list
of sources. The names and shape are Django 6.0's, so moving to its built-in middleware later is
deleting this module and swapping the middleware line.
"""

from django.conf import settings


def header_value(policy):
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for header, policy in (
            ("Content-Security-Policy", settings.SECURE_CSP),
            ("Content-Security-Policy-Report-Only", settings.SECURE_CSP_REPORT_ONLY),
        ):
            # A view that sets its own policy keeps it.
            if policy and header not in response:
                response[header] = header_value(policy)
        return response
