"""What a browser test listens for to know a page broke its Content-Security-Policy: the ``securitypolicyviolation``
events of each document, kept in ``window.__violations`` by a script the browser runs before the page's own."""

from __future__ import annotations

from playwright.sync_api import Page

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile || event.documentURI}:${event.lineNumber}`;
  window.__violations.push(`${event.effectiveDirective} refused ${event.blockedURI || "(inline)"} at ${where}`);
});
"""
CONSOLE_MARK = "Content Security Policy"  # how Chromium's console words a refusal, a frame's too


def violations(page: Page) -> list[str]:
    """The violations recorded on the page since it loaded, or since last asked."""
    return page.evaluate("() => (window.__violations || []).splice(0)")
