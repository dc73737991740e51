"""Client processes for the socket benches: each runs ``target(conn, *args)``, a loop answering commands sent over its
pipe, and holds its share of the sockets (socket i lives in process i % count), so thousands of sockets are not
held back by one client's GIL."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable


class ClientProcesses:
    def __init__(self, target: Callable[..., None], args: tuple, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.links = []
        for _ in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=target, args=(child, *args), daemon=True)
            process.start()
            self.links.append((process, parent))

    def ask(self, commands: list[tuple], timeout: float) -> list:
        """Send each process its command, then wait for every answer."""
        for (_process, conn), command in zip(self.links, commands, strict=True):
            conn.send(command)
        answers = []
        for process, conn in self.links:
            if not conn.poll(timeout):
                raise RuntimeError(f"client process {process.pid} did not answer {commands[0][0]!r} in {timeout:.0f}s")
            answers.append(conn.recv())
        return answers

    def ask_all(self, command: tuple, timeout: float) -> list:
        return self.ask([command] * len(self.links), timeout)

    def stop(self) -> None:
        for process, conn in self.links:
            if process.is_alive():
                with contextlib.suppress(OSError):  # already gone
                    conn.send(("exit",))
        for process, _conn in self.links:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        self.links.clear()
