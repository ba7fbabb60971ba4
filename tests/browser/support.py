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
