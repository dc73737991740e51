"""``RedirectingHttpClient``: the ``twilio`` library's own HTTP client, pointed somewhere other than Twilio.

Production passes ``base_url=None`` and talks to the real Twilio. Tests build
``twilio.rest.Client(sid, token, http_client=RedirectingHttpClient(fake.url))`` so the real library, with its
own request building, auth and error handling, talks to a local fake server (``tests/fake_twilio.py``) instead.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from requests import Session
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response


def redirect(url: str, base_url: str | None) -> str:
    """``url`` with a Twilio scheme and host (``https://*.twilio.com``) swapped for ``base_url``; others unchanged."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if base_url is None or parts.scheme != "https" or not (host == "twilio.com" or host.endswith(".twilio.com")):
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url.rstrip('/')}{parts.path}{query}"


class SettledSession(Session):
    """A ``requests`` session that reads the environment's proxy and certificate settings once per host instead of
    on every request: ``requests`` scans the whole of ``os.environ`` twice a request for them, a tenth of a
    message's CPU in a worker, and a process's environment does not change under it."""

    def __init__(self) -> None:
        super().__init__()
        self._settled: dict[tuple, dict[str, Any]] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert) -> dict[str, Any]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, repr(proxies), stream, verify, cert)
        if (settings := self._settled.get(key)) is None:
            settings = self._settled[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {**settings, "proxies": dict(settings["proxies"])}  # the caller's to change


class RedirectingHttpClient(TwilioHttpClient):
    def __init__(self, base_url: str | None, **kwargs: Any) -> None:
        """``kwargs`` are ``TwilioHttpClient``'s (``timeout``, ``max_retries``, ...)."""
        super().__init__(**kwargs)
        self.base_url = base_url
        if self.session is not None:  # one session for the process, its connections kept, the parent's adapters
            settled = SettledSession()
            settled.adapters = self.session.adapters
            self.session = settled
        if self.session is not None and base_url is not None:
            # The parent tunes only https:// (pool size, max_retries); a local fake is http:// and should get the same.
            self.session.mount("http://", self.session.get_adapter("https://"))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, redirect(url, self.base_url), *args, **kwargs)
