"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can be
told to refuse recipients, or to run an action (kill the sender) at a chosen step,
for the tests where delivery matters."""

import asyncio
import multiprocessing
import os
import re
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>]+>)", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Interruption:
    step: str  # "RCPT": the sender waits for the reply to a recipient (mid-message);
    # "DATA": the message is received, the sender waits for the final reply.
    after: int  # once this many messages are received
    action: Callable[[], None]


class SinkHandler:
    def __init__(self):
        self.messages = []
        self.peers = []  # the client connection each message came through
        self.lock = threading.Lock()
        self.refuse: dict[str, str] = {}  # recipient -> SMTP reply
        self.interruptions: list[Interruption] = []

    def interrupt(self, step: str, *, after: int, action: Callable[[], None]) -> None:
        """Run `action` once, before replying at `step`, after `after` messages."""
        self.interruptions.append(Interruption(step, after, action))

    def _maybe_interrupt(self, step: str) -> None:
        for interruption in list(self.interruptions):
            if interruption.step == step and self.count() >= interruption.after:
                self.interruptions.remove(interruption)
                interruption.action()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self._maybe_interrupt("RCPT")
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
            self.peers.append(session.peer)
        self._maybe_interrupt("DATA")
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpSink:
    def __init__(self):
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.handler.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class _CountingHandler:
    """What a server process of ForkingSmtpSink does with each message: counts it
    in memory shared with the benchmark, keeps its Message-ID."""

    def __init__(self, received, message_ids: list[bytes]):
        self.received = received
        self.message_ids = message_ids

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.content)
        self.message_ids.append(found.group(1) if found else b"")
        with self.received.get_lock():
            self.received.value += 1
        return "250 Message accepted"


class _ClientSession(SMTP):
    def __init__(self, handler, closed):
        super().__init__(handler, hostname="127.0.0.1")
        self.closed = closed

    def connection_lost(self, error):
        super().connection_lost(error)
        if not self.closed.done():
            self.closed.set_result(None)


class ForkingSmtpSink:
    """For benchmarks: an aiosmtpd server that serves each client connection in a
    process of its own, as production mail servers do (Postfix forks an smtpd per
    client), instead of one thread for all: a single Python thread would be the
    ceiling measured, not the senders. The count of messages received is in shared
    memory; their Message-IDs are read back at the end (`message_ids`)."""

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self.received = context.Value("q", 0)
        self.folder = tempfile.TemporaryDirectory()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.acceptor = context.Process(target=self._accept, daemon=True)

    def _accept(self) -> None:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped by the kernel
        while True:
            client, _ = self.listener.accept()
            if os.fork() == 0:
                self.listener.close()
                self._serve(client)
                os._exit(0)
            client.close()

    def _serve(self, client: socket.socket) -> None:
        message_ids: list[bytes] = []
        loop = asyncio.new_event_loop()
        closed = loop.create_future()
        handler = _CountingHandler(self.received, message_ids)
        loop.run_until_complete(
            loop.connect_accepted_socket(
                lambda: _ClientSession(handler, closed), client
            )
        )
        loop.run_until_complete(closed)
        done = Path(self.folder.name, f"{os.getpid()}.ids")
        draft = done.with_suffix(".draft")
        draft.write_bytes(b"\n".join(message_ids))
        draft.rename(done)  # whole or not at all

    def count(self) -> int:
        return self.received.value

    def message_ids(self, expected: int, wait: float = 10.0) -> list[bytes]:
        """Every Message-ID received, once the connections are closed and their
        processes have written them (up to `wait` seconds for `expected`)."""
        give_up = time.monotonic() + wait
        while len(found := self._ids_written()) < expected:
            if time.monotonic() > give_up:
                break
            time.sleep(0.1)
        return found

    def _ids_written(self) -> list[bytes]:
        found = []
        for path in Path(self.folder.name).glob("*.ids"):
            if data := path.read_bytes():
                found += data.split(b"\n")
        return found

    def reset(self) -> None:
        with self.received.get_lock():
            self.received.value = 0
        for path in Path(self.folder.name).iterdir():
            path.unlink()

    def __enter__(self):
        self.acceptor.start()
        return self

    def __exit__(self, *exc):
        self.acceptor.kill()
        self.acceptor.join()
        self.listener.close()
        self.folder.cleanup()
