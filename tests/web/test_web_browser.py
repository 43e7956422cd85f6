"""The desk in a real headless browser (Debian's chromium) against a real `aid-engine serve` process: sign in
through the printed one-time link, fill the form by keyboard, read the decision, save it, see it in the
history, print the notice to PDF and read its text; every page in French with each input labelled and no
console error, CSP violation or failed load.

Skipped only when /usr/bin/chromium is absent and `$AID_ENGINE_REQUIRE_BROWSER` is unset (CI sets it).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import os
import sys
import time
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from web_helpers import ROOT, running_server

import aid_engine

REQUIRE_ENV = "AID_ENGINE_REQUIRE_BROWSER"
TIMEOUT = 60.0
# The form's answers, typed key by key: (field, keys).  Dates are typed in the order headless chromium's date
# fields show (month, day, year: its interface stays in English whatever the page's language).
TYPED = [
    ("fabrique_id", "FAB-75-0042"), ("training_labelled", "oui"), ("training_start_date", "09162024"),
    ("training_end_date", "06272025"), ("application_date", "10012024"), ("learner_id", "NAV-0001"),
    ("profile", "sans"), ("nationality", "fr"), ("international_protection", "non"), ("sex", "f"),
    ("birth_date", "03121998"), ("own_tax_return", "oui"), ("revenu_brut_global", "12 500,50"),
    ("income_year", "2022"), ("dependent_children", "0"), ("children_in_higher_education", "0"),
    ("distance_km", "12"), ("jobseeker_aid", "non"), ("work_study_contract", "non"), ("training_leave", "non"),
    ("employment_or_region_aid", "non"), ("higher_education_grant", "non"),
]
PAGE_CHECK = """
(() => ({
  lang: document.documentElement.lang,
  unlabelled: Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter(e => !e.labels || e.labels.length === 0).map(e => e.name || e.id),
  inline: document.querySelectorAll('script:not([src])').length,
  title: document.title,
  text: document.body.innerText,
}))()
"""


def report_browser() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_browser_for_web", ROOT / "tests" / "report" / "browser.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chromium() -> Path:
    path = Path("/usr/bin/chromium")
    if path.exists():
        return path
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but {path} is missing: run .ci/install-browser.sh")
    pytest.skip(f"no {path} (bash .ci/install-browser.sh installs it; {REQUIRE_ENV}=1 makes this a failure)")


class Tab:
    """One page of a headless chromium, driven over the DevTools protocol."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1200, "height": 900, "deviceScaleFactor": 1,
                                                         "mobile": False})

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params or {}, session=self.session)

    def loaded(self, action: Any) -> None:
        """Do `action` and wait for the page it leads to."""
        self.browser.events = [e for e in self.browser.events if e.get("method") != "Page.loadEventFired"]
        action()
        self.browser.wait_for("Page.loadEventFired", time.monotonic() + TIMEOUT)

    def go(self, url: str) -> None:
        self.loaded(lambda: self.send("Page.navigate", {"url": url}))

    def run(self, script: str) -> Any:
        answer = self.send("Runtime.evaluate", {"expression": script, "returnByValue": True, "awaitPromise": True})
        assert "exceptionDetails" not in answer, answer
        return answer["result"].get("value")

    def key(self, key: str, code: str = "", text: str = "", vk: int = 0) -> None:
        base = {"key": key, "code": code or key, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", **base, **({"text": text} if text else {})})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **base})

    def type(self, text: str) -> None:
        for char in text:
            vk = ord(char.upper()) if char.isalnum() else (32 if char == " " else 0)
            self.key(char, "", char, vk)

    def press_enter(self) -> None:
        self.key("Enter", "Enter", "\r", 13)

    def focus(self, selector: str) -> None:
        assert self.run(f"(() => {{ const e = document.querySelector({selector!r}); if (!e) return false; "
                        "e.focus(); return document.activeElement === e; })()"), selector


def problems_of(events: list[dict[str, Any]]) -> list[Any]:
    found: list[Any] = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        console_error = method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert")
        if console_error or method in ("Runtime.exceptionThrown", "Network.loadingFailed"):
            found.append(params)
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            found.append(params["entry"])
    return found


def pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_sign_in_fill_decide_save_print_in_chromium(chromium: Path, tmp_path: Path) -> None:
    module = report_browser()
    with running_server(f"sqlite:///{tmp_path / 'desk.db'}", tmp_path) as server:
        assert server.link and server.link.startswith(server.base + "/signin?once=")
        browser = module.Browser(tmp_path / "profile")
        try:
            tab = Tab(browser)
            checked: dict[str, Any] = {}

            def check(name: str) -> dict[str, Any]:
                found = tab.run(PAGE_CHECK)
                assert found["lang"] == "fr", name
                assert found["unlabelled"] == [], (name, found["unlabelled"])
                assert found["inline"] == 0, name
                checked[name] = found
                return dict(found)

            tab.go(server.link)
            check("signin")
            tab.focus("form.signin button[type=submit]")
            tab.loaded(tab.press_enter)
            assert "Bonjour admin" in check("home")["text"]

            tab.go(server.base + "/desk")
            check("desk")
            for name, keys in TYPED:
                tab.focus(f"#f-{name}")
                tab.type(keys)
            values = tab.run("Object.fromEntries(new FormData(document.querySelector('form[action=\"/desk\"]')))")
            assert values["training_start_date"] == "2024-09-16", values
            assert values["profile"] == "unqualified" and values["nationality"] == "french", values
            assert values["training_labelled"] == "true" and values["jobseeker_aid"] == "false", values
            tab.focus("#decide")
            tab.loaded(tab.press_enter)
            page = check("decision")
            assert "ACCORDÉE" in page["text"] and "Détail du calcul" in page["text"], page["text"][:2000]
            expected = aid_engine.evaluate({**{k: v for k, v in values.items() if k != "csrf" and v != ""},
                                            "training_labelled": True, "international_protection": False,
                                            "own_tax_return": True, "jobseeker_aid": False,
                                            "work_study_contract": False, "training_leave": False,
                                            "employment_or_region_aid": False, "higher_education_grant": False,
                                            "revenu_brut_global": "12500.50", "income_year": 2022,
                                            "dependent_children": 0, "children_in_higher_education": 0})
            assert tab.run("document.getElementById('echelon').textContent") == expected.echelon
            assert tab.run("document.querySelector('details#trace').open") is False

            tab.focus("#save")
            tab.loaded(tab.press_enter)
            history = check("history")
            assert "Décision enregistrée sous le n°" in history["text"] and "admin" in history["text"]
            link = tab.run("document.querySelector('#history a').href")

            tab.go(link)
            check("stored decision")
            pdf = tab.send("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": False})
            pages, text = pdf_text(base64.b64decode(pdf["data"]))
            (tmp_path / "notice.pdf").write_bytes(base64.b64decode(pdf["data"]))
            assert pages == 1, text
            flat = " ".join(unicodedata.normalize("NFKC", text).split())  # the PDF's ligatures undone
            for words in ("Notification de décision", "directeur général", "CROUS", "NAV-0001", "L'aide est accordée",
                          "Décret n° 2017-548", "Voies et délais de recours", "recours gracieux",
                          "tribunal administratif", "deux mois", "Règles appliquées"):
                assert words in flat, (words, flat)
            assert "Enregistrer" not in flat and "Détail du calcul" not in flat  # the screen part is not printed

            for path in ("/api/docs", "/finance/batches", "/finance/report", "/audit"):
                tab.go(server.base + path)
                check(path)
            time.sleep(0.5)  # the API reference page draws itself from /openapi.json
            tab.go(server.base + "/api/docs")
            time.sleep(0.5)
            assert "POST /api/v1/decisions" in tab.run("document.body.innerText")
            assert problems_of(browser.events) == []
        finally:
            browser.close()
    log = server.log.read_text()
    assert "NAV-0001" not in log.replace("/desk/learners/NAV-0001", "")  # learner ids only in paths
    assert "12500" not in log and "12 500" not in log and "once=" not in log.split("\n", 2)[-1]
