"""A report as a PDF: Debian's Chromium prints the report's own print view.

How Chromium reaches the print view: in-process. Every request of the page is answered by
Playwright's `page.route` through Django's own WSGI handler (static files from the static
finders or STATIC_ROOT), so the renderer needs no web server, no base URL setting and no network
path from the worker to the web container; the demo, docker-compose and the tests render alike,
and the page still passes through the real URLconf, middleware and CSP. The page can fetch
nothing from anywhere else: every other request is aborted.

Django's ORM refuses to run where an event loop runs (Playwright's sync API keeps one in the
calling thread), so the WSGI calls run in a helper thread of their own: with its own database
connection, which is closed when the render ends.
"""

import io
import logging
import mimetypes
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from dashboard.reports import periods, print_link

log = logging.getLogger(__name__)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Page margins; the footer (title, "Page N of M") sits in the bottom one.
MARGIN = {"top": "12mm", "right": "12mm", "bottom": "16mm", "left": "12mm"}
# Paper in CSS px (96 per inch): the viewport is the printable width, so charts are drawn at the
# size they print at.
PAPER_PX = {"A4": (793.7, 1122.5), "Letter": (816.0, 1056.0)}
MM = 96 / 25.4
READY = "document.documentElement.dataset.reportReady"
# Chromium fills the classes title, pageNumber and totalPages; inline styles are fine here (the
# templates are Chromium's, outside the page and its CSP).
FOOTER = (
    '<div style="font-size:8px;width:100%;margin:0 12mm;display:flex;'
    'justify-content:space-between;color:#333">'
    '<span class="title"></span>'
    '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
)


def printable_px(paper):
    """(width, height) of a page's content box in CSS px: the paper less the margins."""
    width, height = PAPER_PX[paper]
    horizontal = (_mm(MARGIN["left"]) + _mm(MARGIN["right"])) * MM
    vertical = (_mm(MARGIN["top"]) + _mm(MARGIN["bottom"])) * MM
    return width - horizontal, height - vertical


def _mm(value):
    return float(value.removesuffix("mm"))


def filename(report, first):
    """client-report-YYYY-MM.pdf, by the period's first day.

    A weekly report is named by its ISO week (client-report-2026-W48.pdf): four or five of them
    fall in one month and would otherwise overwrite one another in a client's downloads.
    """
    if report.period_rule == periods.LAST_WEEK:
        year, week, _ = first.isocalendar()
        return f"client-report-{year}-W{week:02d}.pdf"
    return f"client-report-{first:%Y-%m}.pdf"


def render(report, *, paper="A4", today=None, browser=None):
    """The PDF of `report` as of `today` on `paper` ("A4" or "Letter").

    `browser`: a Playwright Browser to reuse (tests, the benchmark); by default one is launched
    for this render and closed after it.
    """
    today = today or timezone.localdate()
    path = reverse("report_print", args=[print_link.sign(report, paper, today)])
    if browser is not None:
        return _print(browser, path, paper)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            return _print(browser, path, paper)
        finally:
            browser.close()


class NoChromium(RuntimeError):
    pass


def launch(playwright):
    if not Path(settings.CHROMIUM_PATH).exists():
        # Said on the report page: the one fix, not Playwright's launch trace.
        raise NoChromium(
            f"No Chromium at {settings.CHROMIUM_PATH}: install Debian's chromium package "
            "(make browser-tools) or set CHROMIUM_PATH."
        )
    return playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=CHROMIUM_ARGS)


def _print(browser, path, paper):
    with opened(browser, path, paper) as page:
        return page.pdf(
            format=paper,
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            margin=MARGIN,
            tagged=True,
            outline=True,
        )


@contextmanager
def opened(browser, path, paper):
    """A page of `browser` showing the print view at `path`, laid out for `paper` in print
    media, every chart drawn (the view's ready flag)."""
    origin = f"https://{_host()}"
    width, height = printable_px(paper)
    context = browser.new_context(
        viewport={"width": round(width), "height": round(height)}, device_scale_factor=2
    )
    helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf")
    try:
        page = context.new_page()
        page.route("**/*", lambda route: _answer(route, origin, helper))
        page.emulate_media(media="print")
        response = page.goto(origin + path, wait_until="load")
        if response is None or response.status != 200:
            status = response.status if response else "nothing"
            raise RuntimeError(f"The print view answered {status}; no PDF was printed.")
        page.wait_for_function(
            f"['true', 'failed'].includes({READY})", timeout=settings.REPORTS_PDF_READY_MS
        )
        if page.evaluate(READY) != "true":
            raise RuntimeError("A chart of the report did not draw; no PDF was printed.")
        yield page
    finally:
        context.close()
        helper.submit(connections.close_all).result()
        helper.shutdown()


def _host():
    """A host name Django accepts (ALLOWED_HOSTS); the page never leaves this process."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*":
            return host.lstrip(".")
    return "localhost"


def _answer(route, origin, helper):
    request = route.request
    if not request.url.startswith(origin + "/"):
        route.abort()
        return
    url = urlsplit(request.url)
    path = unquote(url.path)
    static = "/" + settings.STATIC_URL.lstrip("/")
    if path.startswith(static) and request.method == "GET":
        _static(route, path.removeprefix(static))
        return
    try:
        status, headers, body = helper.submit(_wsgi, request, url, path).result()
    except Exception:  # answered, so the page fails now instead of waiting out its timeout
        log.exception("the print view's request %s failed", path)
        status, headers, body = 500, {}, b"Server error"
    route.fulfill(status=status, headers=headers, body=body)


def _static(route, name):
    found = None
    try:
        collected = Path(settings.STATIC_ROOT, name).resolve()
        if collected.is_relative_to(Path(settings.STATIC_ROOT).resolve()) and collected.is_file():
            found = collected
        else:
            found = finders.find(name)
    except (SuspiciousFileOperation, ValueError):
        found = None
    if not found:
        route.fulfill(status=404, body="Not found")
        return
    kind = mimetypes.guess_type(str(found))[0] or "application/octet-stream"
    route.fulfill(status=200, headers={"Content-Type": kind}, body=Path(found).read_bytes())


_handler = None


def _wsgi(request, url, path):
    """One request through Django, in the helper thread: (status, headers, body)."""
    global _handler
    if _handler is None:
        _handler = WSGIHandler()
    body = request.post_data_buffer or b""
    environ = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": path,
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    environ["HTTP_HOST"] = url.hostname
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = int(status.split()[0]), headers

    response = _handler(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        if hasattr(response, "close"):
            response.close()
    return started["status"], dict(started["headers"]), body
