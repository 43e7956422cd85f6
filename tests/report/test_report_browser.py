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
CHART_IDS = {"chart-decisions", "chart-envelope", "chart-recoveries", "chart-echelons", "chart-reasons",
             "chart-targets", "chart-territory", "chart-start-months", "chart-cash-flow"}
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


# Each key-figure card: its state class, its words, its background colour, and whether its value fits in it.
CARDS_SCRIPT = """
(() => Array.from(document.querySelectorAll('.kpi')).map(card => {
  const value = card.querySelector('b');
  return {state: card.className.replace('kpi', '').trim(), text: card.innerText,
          background: getComputedStyle(card).backgroundColor, border: getComputedStyle(card).borderLeftColor,
          fits: value.scrollWidth <= value.clientWidth && card.scrollWidth <= card.clientWidth,
          right: value.getBoundingClientRect().right, card_right: card.getBoundingClientRect().right};
}))()
"""


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(x) for x in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def cards_of(programme: Programme, chromium: Path, tmp_path: Path, name: str, width: int,
             *options: str) -> list[dict[str, Any]]:
    page = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, ["report", "--db", programme.url, "--html", str(page), *options])
    assert result.exit_code == 0, result.stderr
    visit = open_page(page, tmp_path / f"profile-{name}", CARDS_SCRIPT, width=width)
    (tmp_path / f"{name}.png").write_bytes(visit.screenshot)
    assert visit.exceptions == []
    cards: list[dict[str, Any]] = visit.evaluated
    return cards


@pytest.mark.parametrize("programme", ["sqlite"], indirect=True)
def test_the_key_figures_say_in_colour_and_words_a_missed_target_and_an_overrun(
        programme: Programme, chromium: Path, tmp_path: Path) -> None:
    within = cards_of(programme, chromium, tmp_path, "within", 1400)
    over = cards_of(programme, chromium, tmp_path, "over", 1400, "--envelope", "1000",
                    "--target-women", "0.99", "--target-young-unqualified", "0.01")
    money = [c for c in within if "enveloppe" in c["text"]]
    assert len(money) == 2 and all(c["state"] == "ok" and "dans l’enveloppe" in c["text"] for c in money)
    assert all(rgb(c["background"])[1] > rgb(c["background"])[0] for c in money), "green: within the envelope"
    overrun = [c for c in over if "enveloppe" in c["text"]]
    assert len(overrun) == 2 and all(c["state"] == "over" and "dépassement de l’enveloppe" in c["text"]
                                     for c in overrun)
    for c in overrun:
        red, green, blue = rgb(c["background"])
        assert red > green and red > blue and rgb(c["border"])[0] > 150, c
    women = next(c for c in over if "de femmes" in c["text"])
    young = next(c for c in over if "sans qualification" in c["text"])
    assert women["state"] == "warn" and "cible non atteinte" in women["text"], "a target of 99 % is missed"
    assert young["state"] == "ok" and "cible atteinte" in young["text"], "a target of 1 % is met"
    assert rgb(women["background"]) != rgb(young["background"]) != (255, 255, 255)
    plain = [c for c in over if c["state"] == ""]
    assert plain and all(rgb(c["background"]) == (255, 255, 255) for c in plain), "counts stay neutral"


@pytest.mark.parametrize("programme", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1400, 900, 420])
def test_every_amount_fits_its_card_at_any_size(programme: Programme, chromium: Path, tmp_path: Path,
                                               width: int) -> None:
    cards = cards_of(programme, chromium, tmp_path, f"w{width}", width, "--envelope", "0.01")
    share = next(c for c in cards if "de l’enveloppe engagée" in c["text"])
    assert len(share["text"].split("\n")[0]) > 12, "a very long share: the hardest value to fit"
    for c in cards:
        assert c["fits"] and c["right"] <= c["card_right"] + 0.5, (width, c)
        assert "€" in c["text"].split("\n")[0] or "%" in c["text"].split("\n")[0] or \
            c["text"].split("\n")[0].replace("\u202f", "").isdigit(), c
