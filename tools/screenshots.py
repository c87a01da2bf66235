"""Regenerate the screenshots of the HTML impact report in docs/img/ (one per proposal).

    pip install -e '.[browser]' && apt-get install -y chromium
    python tools/screenshots.py            # writes docs/img/impact-<ID>.png and impact-paper.png

Renders the whole-paper report (dated by SOURCE_DATE_EPOCH, else 2020-05-28, so the pictures
are reproducible), opens it in Debian's Chromium through Playwright (no browser is downloaded)
and captures the overview and each proposal's section.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import secrules
from secrules.report import render_impact


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; 2 with a one-line message when Chromium or Playwright is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/img", help="folder (default docs/img)")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional extra
    except ImportError:
        print("screenshots: pip install -e '.[browser]' first", file=sys.stderr)
        return 2
    if chromium is None:
        print("screenshots: apt-get install -y chromium first", file=sys.stderr)
        return 2
    reports = [secrules.impact(p.id) for p in secrules.proposals() if p.modelled]
    unmodelled = [p for p in secrules.proposals() if not p.modelled]
    date = None if os.environ.get("SOURCE_DATE_EPOCH") else "2020-05-28"
    page_html = render_impact(reports, "html", not_modelled=unmodelled, date=date)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "paper.html"
        path.write_text(page_html, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(path.as_uri())
            page.locator("#overview").screenshot(path=str(out / "impact-paper.png"))
            for report in reports:
                section = page.locator(f"section#{report.id}")
                # The part a committee reads first: heading, summary and picture.
                top = section.locator("h2")
                figure = section.locator("figure").last
                if not top.count() or not figure.count():
                    continue
                # Page coordinates (the clip of a full-page screenshot), not the viewport's.
                start = top.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
                end = figure.evaluate("e => e.getBoundingClientRect().bottom + window.scrollY")
                page.screenshot(
                    path=str(out / f"impact-{report.id}.png"),
                    full_page=True,
                    clip={"x": 0, "y": start - 2, "width": 1100, "height": end - start + 16},
                )
            browser.close()
    print(f"screenshots: wrote {len(reports) + 1} pictures to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
