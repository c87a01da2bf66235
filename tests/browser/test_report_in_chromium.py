"""The HTML impact report in a real browser: Debian's Chromium driven by Playwright.

One browser for the module; the whole-paper page is written once. Skipped, saying why, only
when Playwright or a ``chromium`` binary is missing locally; ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

import secrules
from secrules.report import render_impact

pytestmark = pytest.mark.browser

REQUIRED = os.environ.get("SECRULES_REQUIRE_BROWSER") == "1"  # set by .ci/run: never skip there
try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - depends on the machine
    if REQUIRED:
        raise
    pytest.skip(
        "Playwright is not installed (pip install -e '.[browser]')", allow_module_level=True
    )
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if REQUIRED:
        pytest.fail("SECRULES_REQUIRE_BROWSER=1 but no chromium on PATH", pytrace=False)
    pytest.skip("no chromium binary on PATH (apt-get install -y chromium)", allow_module_level=True)

MODELLED = tuple(p.id for p in secrules.proposals() if p.modelled)
A4_WIDTH_PX = 794  # 210 mm at 96 px per inch


@pytest.fixture(scope="module")
def reports():
    return {pid: secrules.impact(pid) for pid in MODELLED}


@pytest.fixture(scope="module")
def paper(tmp_path_factory, reports):
    unmodelled = [p for p in secrules.proposals() if not p.modelled]
    page = render_impact(list(reports.values()), "html", not_modelled=unmodelled, date="2020-05-28")
    path = tmp_path_factory.mktemp("report") / "paper.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, paper):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []
    tab.on("request", lambda req: requests.append(req.url))
    tab.goto(paper.as_uri())
    tab.errors = errors
    tab.requests = requests
    yield tab
    context.close()


def test_loads_without_console_errors_or_network(page):
    assert page.title() == "secrules impact report"
    assert page.errors == []
    assert [url for url in page.requests if not url.startswith("file:")] == []
    assert page.locator("script").count() == 0


def test_every_svg_renders_with_a_size(page, reports):
    boxes = page.eval_on_selector_all(
        "svg.grid",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })",
    )
    # a picture per reading of the baseline, and a thumbnail, for each proposal
    assert len(boxes) == sum(len(r.by_reading) + 1 for r in reports.values())
    assert all(w > 0 and h > 0 for w, h in boxes)


def test_legend_and_changed_cells_are_visible(page, reports):
    for pid, report in reports.items():
        section = page.locator(f"section#{pid}")
        legend = section.locator("svg.grid .legend")
        assert legend.count() == len(report.by_reading)  # one picture per reading
        assert legend.first.is_visible()
        changed = section.locator("figure svg.grid g.cell.changed")
        if not any(each.changed_count for each in report.by_reading):
            assert changed.count() == 0, pid  # a withdrawn proposal changes nothing
            continue
        assert changed.count() > 0, pid
        assert changed.first.is_visible()
        box = changed.first.bounding_box()
        assert box is not None
        assert box["width"] > 5
        assert box["height"] > 5


def test_overview_links_reach_each_proposal(page):
    for pid in MODELLED:
        page.locator(f"#overview a[href='#{pid}']").first.click()
        assert page.url.endswith(f"#{pid}")
        section = page.locator(f"section#{pid}")
        assert section.locator("h2").is_visible()
        top = section.evaluate("e => e.getBoundingClientRect().top")
        assert -2 <= top < 900


def test_print_layout_fits_a4(browser, paper):
    context = browser.new_context(viewport={"width": A4_WIDTH_PX - 2 * 53, "height": 1000})
    page = context.new_page()  # 14 mm margins each side: the width A4 leaves for content
    page.goto(paper.as_uri())
    page.emulate_media(media="print")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    widest = page.eval_on_selector_all(
        "svg.grid", "els => Math.max(...els.map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= A4_WIDTH_PX - 2 * 53 + 1
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert len(MODELLED) + 1 <= pages <= 40  # each proposal starts a page
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf))
    assert boxes
    assert all(abs(float(w) - 595.92) < 2 and abs(float(h) - 842.88) < 2 for w, h in boxes)
    context.close()
