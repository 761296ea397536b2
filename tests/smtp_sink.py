"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can be
told to refuse recipients, or to run an action (kill the sender) at a chosen step,
for the tests where delivery matters."""

import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes

from aiosmtpd.controller import Controller

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
    def __init__(self, *, parse: bool = True):
        # Benchmarks keep only each message's Message-ID: parsing costs CPU.
        self.parse = parse
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
        if self.parse:
            message = message_from_bytes(envelope.content)
        else:
            found = MESSAGE_ID.search(envelope.content)
            message = {"Message-ID": found.group(1).decode() if found else None}
        with self.lock:
            self.messages.append(message)
            self.peers.append(session.peer)
        self._maybe_interrupt("DATA")
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpSink:
    def __init__(self, *, parse: bool = True):
        self.handler = SinkHandler(parse=parse)
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
