"""The report PDF, printed by the real Chromium (Debian's, /usr/bin/chromium) and read back with
pypdf: paper size, running footer, outline, tags, the overview's numbers in its text, and no box
cut across pages."""

import io
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Membership
from dashboard.reports import pdf, periods, print_link
from tests.dashboard.reports.test_reports import (  # noqa: F401 (fixtures)
    Numbers,
    cast,
    history,
    make_report,
    overview_numbers,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The ORM runs in this thread between Playwright calls, whose sync API keeps an event loop here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
# PDF points (1/72 in).
PAPER_POINTS = {"A4": (595.3, 841.9), "Letter": (612, 792)}
HEADINGS = ["Key numbers", "Over time", "By network", "Heatmap", "Top posts", "Follower growth"]


@pytest.fixture(scope="module")
def browser():
    if not Path(settings.CHROMIUM_PATH).exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI is set but {settings.CHROMIUM_PATH} is missing", pytrace=False)
        pytest.skip(f"needs Chromium at {settings.CHROMIUM_PATH} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = pdf.launch(playwright)
        yield browser
        browser.close()


def text_of(page):
    # NFKC: Chromium's fonts set "fi" as one ligature glyph.
    return " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())


def squeeze(text):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_pdf_has_the_paper_footer_outline_and_tags(history, browser, paper):  # noqa: F811
    report = make_report(history["workspace"], [history["a"]], title="Acme & Co monthly")
    reader = PdfReader(io.BytesIO(pdf.render(report, paper=paper, browser=browser)))

    pages = reader.pages
    assert len(pages) >= 3  # the cover, then the report
    for page in pages:
        box = page.mediabox
        # Chromium rounds the paper to whole pixels at 96 dpi: A4 is 794 × 1123 px.
        assert float(box.width) == pytest.approx(PAPER_POINTS[paper][0], abs=1.5)
        assert float(box.height) == pytest.approx(PAPER_POINTS[paper][1], abs=1.5)
    for number, page in enumerate(pages, start=1):
        text = text_of(page)
        assert f"Page {number} of {len(pages)}" in text
        assert "Acme & Co monthly" in text
    cover = text_of(pages[0])
    first, last = periods.period(report.period_rule, timezone.localdate())
    assert f"{first:%b} {first.day}, {first.year} – {last:%b} {last.day}, {last.year}" in cover
    assert "Profile A" in cover and "As of" in cover and "Compared with" in cover

    # The section headings (CSS sets them in capitals), in the report's order.
    titles = [item.title.casefold() for item in flatten(reader.outline)]
    found = [next(n for n, t in enumerate(titles) if t.startswith(h.casefold())) for h in HEADINGS]
    assert found == sorted(found), titles
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or "/StructTreeRoot" in root


def flatten(outline):
    for item in outline:
        yield from flatten(item) if isinstance(item, list) else [item]


def test_every_kpi_number_in_the_pdf_is_the_overviews(client, history, browser):  # noqa: F811
    workspace = history["workspace"]
    report = make_report(workspace, [], period_rule=periods.LAST_28_DAYS)
    first, last = periods.period(report.period_rule, timezone.localdate())
    client.force_login(history["people"][Membership.Role.OWNER].user)
    expected = overview_numbers(client, workspace, first, last, [])

    reader = PdfReader(io.BytesIO(pdf.render(report, browser=browser)))
    text = squeeze(" ".join(page.extract_text() for page in reader.pages))
    cards = {key: value for key, value in expected.items() if key[0] == "data-kpi"}
    assert len(cards) == 8
    for key, card in cards.items():
        # Every number of the card, in the card's order (the PDF's text has other spacing).
        assert re.search(r"\d", card), key
        assert squeeze(card) in text, (key, card)
    # The "as a table" panels are open in print: each day's row of the trend table is there.
    days = [value for key, value in expected.items() if key[0] == "data-day"]
    assert days and all(squeeze(row) in text for row in days)


def test_no_card_chart_or_row_is_cut_across_pages(history, browser):  # noqa: F811
    report = make_report(history["workspace"], [], period_rule=periods.LAST_28_DAYS)
    data = pdf.render(report, paper="A4", browser=browser)
    save_pngs(data, "report-a4")
    texts = [text_of(page) for page in PdfReader(io.BytesIO(data)).pages]
    pages = [set(text.split()) for text in texts]

    # From the PDF: each card's and each table row's words lie together on one page (a table
    # cell's wrapped lines interleave with its neighbours' in the text, so words, not a string).
    html = Numbers(print_view(report)).found
    boxes = {key: value for key, value in html.items() if key[0] != "freshness"}
    assert len(boxes) > 20
    for key, value in boxes.items():
        words = set(unicodedata.normalize("NFKC", value).split())
        # A list item's text ("A): 8,407") is whole on its page; the parser spaces its parts.
        whole = squeeze(value)
        on_one_page = (words <= set(text.split()) or whole in squeeze(text) for text in texts)
        assert any(on_one_page), (key, value)

    # The heatmap, a table whose rows have no numbers of their own: its seven days on the page
    # of its heading (Chromium splits a table that only the table itself asks to keep whole).
    heading = next(page for page in pages if {"When", "posts", "published"} <= page)
    assert {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} <= heading

    # From the print layout: Chromium fragments multi-column boxes as it does pages, so columns
    # of exactly a page's content box show where each box falls; none may straddle a break.
    width, height = pdf.printable_px("A4")
    straddling = layout_breaks(browser, report, width, height)
    assert straddling["boxes"] > 20
    assert straddling["cut"] == []


def print_view(report):
    from django.test import Client

    token = print_link.sign(report, "A4", timezone.localdate())
    response = Client().get(f"/reports/print/{token}/")
    assert response.status_code == 200
    return response.content.decode()


BOXES = ", ".join(
    [".card", ".kpi-card", ".chart-box", "tr", ".report-section h2", ".report-cover"]
    + [".table-wrap:has(> .heatmap)"]
)
PAGINATE = """([width, height, selector]) => {
  const body = document.body;
  body.style.width = width + "px";
  body.style.height = height + "px";
  body.style.columnWidth = width + "px";
  body.style.columnGap = "0px";
  body.style.columnFill = "auto";
  body.style.margin = "0";
  const cut = [];
  const boxes = document.querySelectorAll(selector);
  boxes.forEach((box) => {
    const rects = Array.from(box.getClientRects()).filter((r) => r.height > 0);
    const columns = new Set(rects.map((r) => Math.floor((r.left + 1) / width)));
    const spill = rects.some((r) => r.bottom > height + 1);
    if (columns.size > 1 || spill) cut.push(box.className || box.tagName);
  });
  return {boxes: boxes.length, cut};
}"""


def layout_breaks(browser, report, width, height):
    token = print_link.sign(report, "A4", timezone.localdate())
    with pdf.opened(browser, f"/reports/print/{token}/", "A4") as page:
        return page.evaluate(PAGINATE, [width, height, BOXES])


def save_pngs(data, name):
    """Pages 1 and 2 as PNG in test-artifacts/, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "2",
                str(path),
                str(ARTIFACTS / name),
            ],
            check=True,
        )


def test_a_link_the_print_view_refuses_prints_nothing(history, browser):  # noqa: F811
    report = make_report(history["workspace"])
    token = print_link.sign(report, "A4", timezone.localdate())
    report.delete()
    opened = pdf.opened(browser, f"/reports/print/{token}/", "A4")
    with pytest.raises(RuntimeError, match="answered 404"), opened:
        pass
