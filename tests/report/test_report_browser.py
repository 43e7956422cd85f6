"""The HTML page in a real headless browser (Debian's chromium): it loads offline with no console error, fetches
nothing but itself, and every chart is present, laid out at a real size, and drawn (not blank on screen).

Skipped only when /usr/bin/chromium is absent and `$AID_ENGINE_REQUIRE_BROWSER` is unset; CI sets it, and
`.ci/install-browser.sh` installs chromium.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, open_page
from conftest import Programme
from PIL import Image
from typer.testing import CliRunner

from aid_engine.cli import app

REQUIRE_ENV = "AID_ENGINE_REQUIRE_BROWSER"
CHART_IDS = {"chart-envelope", "chart-echelons", "chart-targets", "chart-start-months", "chart-cash-flow"}
# Each chart's SVG: where it is on the page, its size, and how many drawn shapes it holds.
CHARTS_SCRIPT = """
(() => ({
  title: document.title,
  tables: document.querySelectorAll('table').length,
  charts: Array.from(document.querySelectorAll('figure.chart')).map(figure => {
    const svg = figure.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {x: 0, y: 0, width: 0, height: 0};
    return {id: figure.id, x: box.x + window.scrollX, y: box.y + window.scrollY, width: box.width,
            height: box.height, shapes: svg ? svg.querySelectorAll('path, use, rect, line').length : 0};
  }),
}))()
"""


@pytest.fixture
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but {CHROMIUM} is missing: run .ci/install-browser.sh")
    pytest.skip(f"no {CHROMIUM} (bash .ci/install-browser.sh installs it; {REQUIRE_ENV}=1 makes this a failure)")


def drawn(shot: Image.Image, chart: dict[str, Any]) -> tuple[int, float]:
    """How many colours the chart's area shows, and the share of its pixels that are not white."""
    box = (int(chart["x"]), int(chart["y"]), int(chart["x"] + chart["width"]), int(chart["y"] + chart["height"]))
    area = shot.crop(box).convert("RGB")
    size = area.width * area.height
    colours = area.getcolors(maxcolors=size) or []
    white = sum(n for n, colour in colours if colour == (255, 255, 255))
    return len(colours), (size - white) / max(size, 1)


@pytest.mark.parametrize("programme", ["sqlite"], indirect=True)
def test_the_page_loads_offline_without_error_and_shows_every_chart(
        programme: Programme, chromium: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--db", programme.url, "--html", str(page)])
    assert result.exit_code == 0, result.stderr
    visit = open_page(page, tmp_path / "profile", CHARTS_SCRIPT)
    (tmp_path / "report.png").write_bytes(visit.screenshot)

    assert visit.exceptions == []
    assert [m for m in visit.console if m["type"] in ("error", "warning", "assert")] == []
    assert [e for e in visit.log if e["level"] in ("error", "warning")] == []
    assert visit.requests == [page.resolve().as_uri()], "the page fetches nothing but itself"

    found = visit.evaluated
    assert found["title"].startswith("Rapport du programme") and found["tables"] == 10
    assert {c["id"] for c in found["charts"]} == CHART_IDS
    shot = Image.open(io.BytesIO(visit.screenshot))
    for chart in found["charts"]:
        assert chart["width"] > 300 and chart["height"] > 100, chart
        assert chart["shapes"] > 10, chart
        colours, inked = drawn(shot, chart)
        assert colours > 5 and inked > 0.02, (chart["id"], colours, inked)
