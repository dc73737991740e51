"""Leaders' phones for bench_deployment.py: thousands of sockets through nginx, each a browser of its own, keeping the
resync protocol the page keeps (tests/e2e/test_live_sockets.py ``Phone``).

Each socket sends ``auth={"after": cursor}`` on every (re)connect and handles an event id once, whether it came live
(``events``) or in the backlog (``resync``); its cursor moves only when a resync with ``more: false`` has arrived.
After a lost connection it reconnects as socket.io's JavaScript client does (1 s doubling to 5 s, ±50 %). The sockets
live in a few client processes (python-socketio's AsyncClient), driven over a pipe; socket i lives in process
i % count. Receive times are ``time.perf_counter()`` (CLOCK_MONOTONIC, comparable between processes).
"""

from __future__ import annotations

import itertools
import os
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.bench.client_processes import ClientProcesses

CONNECT_CONCURRENCY = 50  # connection attempts in flight per client process at the first connect
CONNECT_TIMEOUT_S = 30.0
BROWSER_DELAY_S, BROWSER_DELAY_MAX_S, BROWSER_TIMEOUT_S = 1.0, 5.0, 20.0
OFFER = "offer.made"


@dataclass
class Socket:
    """One phone: its cookie, cursor, the event ids it handled and when it first heard of each offer."""

    index: int
    cookie: str
    cursor: int
    seen: set[int] = field(default_factory=set)
    offers: list[tuple[int, int, float, str]] = field(default_factory=list)  # (event id, assignment id, time, how)
    heard_twice: int = 0
    connects: list[float] = field(default_factory=list)
    drops: list[float] = field(default_factory=list)

    def handle(self, nudges: list[dict], how: str) -> None:
        now = time.perf_counter()
        for nudge in sorted(nudges, key=lambda n: n["id"]):
            if nudge["id"] <= self.cursor or nudge["id"] in self.seen:
                self.heard_twice += nudge["id"] in self.seen
                continue
            self.seen.add(nudge["id"])
            if nudge.get("kind") == OFFER:
                self.offers.append((nudge["id"], nudge["assignment_id"], now, how))


class Phones:
    """The sockets of one client process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sockets: dict[int, Socket] = {}
        self.clients: dict[int, object] = {}
        self.tasks: set = set()  # reconnect tasks, referenced so they are not collected

    def _client(self, phone: Socket):
        import asyncio

        import socketio

        client = socketio.AsyncClient(reconnection=False)

        @client.on("connect")
        async def on_connect():
            phone.connects.append(time.perf_counter())

        @client.on("disconnect")
        async def on_disconnect(*_reason):
            phone.drops.append(time.perf_counter())
            task = asyncio.create_task(self._reconnect(client, phone))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        @client.on("events")
        async def on_events(nudges):
            phone.handle(nudges, "live")

        @client.on("resync")
        async def on_resync(page):
            phone.handle(page["items"], "resync")
            if not page["more"]:
                phone.cursor = max(phone.cursor, page["last_id"])

        return client

    async def _open(self, client, phone: Socket, wait_timeout: float) -> None:
        # Headers as a callable: the engine.io client deletes the Cookie header from the dict it is given.
        await client.connect(
            self.url,
            headers=lambda: {"Cookie": phone.cookie},
            auth={"after": phone.cursor},
            transports=["websocket"],
            wait_timeout=wait_timeout,
        )

    async def _reconnect(self, client, phone: Socket) -> None:
        import asyncio

        for attempt in itertools.count():
            await asyncio.sleep(min(BROWSER_DELAY_S * 2**attempt * random.uniform(0.5, 1.5), BROWSER_DELAY_MAX_S))
            try:
                await self._open(client, phone, BROWSER_TIMEOUT_S)
                return
            except Exception:  # refused while the process restarts, or no answer in time: try again later
                continue

    async def connect(self, specs: list[tuple[int, str, int]]) -> dict:
        """Connect one socket per (index, cookie, cursor); the failures, by error (each tried again, as a browser
        does, until it connects)."""
        import asyncio

        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(index: int, cookie: str, cursor: int) -> str | None:
            async with gate:
                phone = self.sockets[index] = Socket(index, cookie, cursor)
                client = self.clients[index] = self._client(phone)
                try:
                    await self._open(client, phone, CONNECT_TIMEOUT_S)
                except Exception as exc:  # counted, and tried again later as a browser would
                    task = asyncio.create_task(self._reconnect(client, phone))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                    return f"{type(exc).__name__}: {exc}"[:120]
                return None

        errors = await asyncio.gather(*(one(*spec) for spec in specs))
        return {"errors": Counter(e for e in errors if e), "connected": self.connected()}

    def connected(self) -> int:
        return sum(1 for client in self.clients.values() if client.connected)

    async def back_since(self, since: float, timeout: float) -> dict:
        """Wait until every socket that dropped after ``since`` is connected again (or the timeout)."""
        import asyncio

        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline and self._still_down(since):
            await asyncio.sleep(0.05)
        dropped = [p for p in self.sockets.values() if any(t > since for t in p.drops)]
        back = [min((t for t in p.connects if t > since), default=None) for p in dropped]
        return {"dropped": len(dropped), "back": [t for t in back if t is not None], "down": self._still_down(since)}

    def _still_down(self, since: float) -> int:
        return sum(
            1
            for i, p in self.sockets.items()
            if any(t > since for t in p.drops) and not (self.clients[i].connected and max(p.connects) > max(p.drops))
        )

    def report(self) -> dict:
        """What every socket handled: {index: {"offers": [...], "heard_twice": n, "drops": n}}."""
        return {
            i: {
                "offers": p.offers,
                "heard_twice": p.heard_twice,
                "drops": len(p.drops),
                "connects": len(p.connects),
                "connected": self.clients[i].connected,
            }
            for i, p in self.sockets.items()
        }


def phone_process(conn, url: str) -> None:
    """A client process: runs the bench's commands from ``conn`` until told to exit."""
    import asyncio

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_serve(conn, Phones(url)))


async def _serve(conn, phones: Phones) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        if command == "exit":  # the kernel closes the sockets; a clean close of thousands waits for nothing
            conn.send("bye")
            os._exit(0)
        elif command == "connect":
            conn.send(await phones.connect(*args))
        elif command == "connected":
            conn.send(phones.connected())
        elif command == "back_since":
            conn.send(await phones.back_since(*args))
        elif command == "report":
            conn.send(phones.report())


class PhonePool(ClientProcesses):
    """Client processes, each holding its share of the sockets (socket i lives in process i % count)."""

    def __init__(self, url: str, count: int) -> None:
        super().__init__(phone_process, (url,), count)

    def connect(self, specs: list[tuple[int, str, int]], timeout: float) -> tuple[int, Counter]:
        """Connect socket (index, cookie, cursor) in process index % count; how many are connected, and the errors."""
        shares = [[s for s in specs if s[0] % len(self.links) == n] for n in range(len(self.links))]
        answers = self.ask([("connect", share) for share in shares], timeout)
        errors: Counter = Counter()
        for answer in answers:
            errors.update(answer["errors"])
        return sum(a["connected"] for a in answers), errors

    def back_since(self, since: float, timeout: float) -> dict:
        answers = self.ask_all(("back_since", since, timeout), timeout + 30)
        return {
            "dropped": sum(a["dropped"] for a in answers),
            "back": sorted(t for a in answers for t in a["back"]),
            "down": sum(a["down"] for a in answers),
        }

    def report(self, timeout: float = 60) -> dict[int, dict]:
        found: dict[int, dict] = {}
        for answer in self.ask_all(("report",), timeout):
            found.update(answer)
        return found
