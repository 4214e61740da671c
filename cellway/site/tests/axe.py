"""axe-core (npm package axe-core, vendored beside this file, test-only) injected into a page by Selenium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; the serious and critical violations (rule, impact, nodes)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));"
    )
    if isinstance(result, str):
        raise AssertionError(f"axe-core did not run: {result}")
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in FAILING_IMPACTS
    ]
