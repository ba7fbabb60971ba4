"""What every browser test shares: Debian's Chromium, its launch flags, a CSP-violation recorder."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# never `playwright install`; without the background-networking flags Chromium floods the closed network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

#: init script: CSP violations land in window.__cspViolations (they are not always console errors);
#: it runs before any page script, injected over CDP, so the page's CSP does not apply to it
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")


def watch(page, base: str, problems: list[str], name: str = "", *, allowed_statuses: tuple[int, ...] = ()) -> None:
    """Record on ``problems`` what must not happen: console errors, page errors, requests to other
    hosts, HTTP errors (except ``allowed_statuses``), failed requests."""
    prefix = f"{name} " if name else ""
    page.on("console", lambda m: problems.append(f"{prefix}console: {m.text} @ {m.location}")
            if m.type == "error" and not any(f"status of {s}" in m.text for s in allowed_statuses) else None)
    page.on("pageerror", lambda e: problems.append(f"{prefix}page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith(base + "/") or r.url.startswith("data:")
            else problems.append(f"{prefix}outside request {r.url}"))
    page.on("response", lambda r: problems.append(f"{prefix}HTTP {r.status} {r.url}")
            if r.status >= 400 and r.status not in allowed_statuses else None)
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
            else problems.append(f"{prefix}failed {r.url} {r.failure}"))


def watched_page(browser, base: str, problems: list[str], name: str = "", *, allowed_statuses=(), **context_kw):
    """A fresh context (German unless told otherwise) with the CSP recorder and :func:`watch` on its page."""
    context_kw.setdefault("locale", "de-DE")
    context = browser.new_context(**context_kw)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    watch(page, base, problems, name, allowed_statuses=allowed_statuses)
    return context, page


def csp_violations(page) -> list[str]:
    return [f"CSP {v}" for v in page.evaluate("window.__cspViolations || []")]


#: the isolated renderer every questionnaire page embeds (forms/static/frontdesk/render.js)
FRAME = "iframe[data-frontdesk-frame]"


def form_frame(page, index: int = 0):
    """A Playwright FrameLocator for the questionnaire inside the page's ``index``-th renderer frame."""
    return page.frame_locator(FRAME).nth(index) if index else page.frame_locator(FRAME).first


def renderer_frame(page, index: int = 0):
    """The renderer's ``Frame`` itself (for ``evaluate``), once it is attached."""
    page.wait_for_selector(FRAME, state="attached")
    return page.locator(FRAME).nth(index).element_handle().content_frame()


def staff_login(page, base: str, email: str = "inhaberin@example.com") -> None:
    """Log a staff member in through the admin's login form (the seeded test password) and wait for the panel."""
    from tests.conftest import DEFAULT_PASSWORD

    page.goto(base + "/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/admin/")
