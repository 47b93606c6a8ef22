"""The print view's short-lived signed link: which report, which paper, as of which day.

Only the PDF renderer opens it, a moment after signing; it needs no session, so it carries
nothing a person could reuse: it expires within REPORTS_PRINT_LINK_MAX_AGE seconds and names one
report, as a share link does.
"""

import datetime

from django.conf import settings
from django.core import signing

SALT = "dashboard.reports.print"
PAPERS = ("A4", "Letter")


def sign(report, paper, today):
    if paper not in PAPERS:
        raise ValueError(f"Unknown paper {paper!r}: use one of {', '.join(PAPERS)}.")
    return signing.dumps(
        {"report": report.pk, "paper": paper, "today": today.isoformat()}, salt=SALT
    )


def read(token):
    """(report id, paper, today) of a valid, unexpired token; signing.BadSignature otherwise
    (SignatureExpired is one)."""
    data = signing.loads(token, salt=SALT, max_age=settings.REPORTS_PRINT_LINK_MAX_AGE)
    try:
        today = datetime.date.fromisoformat(data["today"])
        report, paper = int(data["report"]), data["paper"]
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed print token") from error
    if paper not in PAPERS:
        raise signing.BadSignature("unknown paper")
    return report, paper, today
