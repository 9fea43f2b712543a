"""A simulated watch MCU: the device side of the serial link in Python, doing what firmware/src/tinychat_link.c does.

It pings until the host answers, asks one question at a time (resent until ACKed, asked again if the REPLY is
late), acks every EVENT and hands each one over once.
"""

from __future__ import annotations

import os
import secrets
import select
import time
from collections import deque

from tinychat.bridges.serial_protocol import (
    EventFields,
    Flag,
    Frame,
    FrameDecoder,
    MessageType,
    ReplyFields,
    ask_payload,
    parse_event,
    parse_nack,
    parse_reply,
)


class LinkError(RuntimeError):
    """The host refused a question or did not answer it after every retry."""


class Watch:
    """The watch end of a serial line, given its file descriptor (a UART, or a pty's master in this example)."""

    def __init__(self, fd: int, *, ack_timeout: float = 0.25, reply_timeout: float = 10.0, retries: int = 5):
        self.fd = fd
        self.ack_timeout, self.reply_timeout, self.retries = ack_timeout, reply_timeout, retries
        self.session = secrets.randbits(32) or 1  # differs between boots, so the host never mixes up two asks
        self.events: deque[EventFields] = deque()
        self._seq = 0
        self._decoder = FrameDecoder()
        self._answers: deque[Frame] = deque()
        self._last_event: tuple[int, int] | None = None

    def wait_for_host(self, timeout: float) -> None:
        """Ping until the host answers (it flushes what was sent before it opened the port)."""
        deadline = time.monotonic() + timeout
        while not self._answers:
            if time.monotonic() > deadline:
                raise LinkError(f"no host answered on the serial line within {timeout:.0f} s")
            self._send(Frame(MessageType.PING, self.session, self._take_seq()))
            self._receive(0.2)
        self._answers.clear()

    def ask(self, text: str, lang: str | None = None) -> ReplyFields:
        ask = Frame(MessageType.ASK, self.session, self._take_seq(), ask_payload(text, lang))
        for attempt in range(self.retries + 1):
            self._send(ask if attempt == 0 else Frame(ask.type, ask.session, ask.seq, ask.payload, Flag.RETRANSMIT))
            answer = self._await_answer(ask, self.ack_timeout)
            if answer is not None and answer.type == MessageType.ACK:
                answer = self._await_answer(ask, self.reply_timeout)
            if answer is None or answer.type == MessageType.ACK:
                continue
            if answer.type == MessageType.NACK:
                code, message = parse_nack(answer.payload)
                raise LinkError(f"the host refused {text!r}: error {code}, {message}")
            return parse_reply(answer.payload)
        raise LinkError(f"no answer to {text!r} after {self.retries + 1} tries")

    def wait_for_event(self, timeout: float) -> EventFields:
        deadline = time.monotonic() + timeout
        while not self.events:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LinkError(f"no event within {timeout:.0f} s")
            self._receive(left)
        return self.events.popleft()

    def _await_answer(self, ask: Frame, timeout: float) -> Frame | None:
        """The next ACK, REPLY or NACK for ``ask`` within ``timeout``; answers to anything older are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            while self._answers:
                frame = self._answers.popleft()
                if (frame.session, frame.seq) == (ask.session, ask.seq):
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._receive(left)

    def _receive(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return
        for frame in self._decoder.feed(os.read(self.fd, 4096)):
            if frame.type == MessageType.PING:
                self._send(Frame(MessageType.PONG, frame.session, frame.seq, frame.payload))
            elif frame.type == MessageType.EVENT:
                self._on_event(frame)
            else:
                self._answers.append(frame)

    def _on_event(self, frame: Frame) -> None:
        self._send(Frame(MessageType.ACK, frame.session, frame.seq))
        if self._last_event != (frame.session, frame.seq):  # a resend after our ACK was lost is not a new event
            self._last_event = (frame.session, frame.seq)
            self.events.append(parse_event(frame.payload))

    def _send(self, frame: Frame) -> None:
        wire = frame.encode()
        while wire:
            wire = wire[os.write(self.fd, wire) :]

    def _take_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        if self._seq == 0:
            self.session = (self.session + 1) & 0xFFFFFFFF or 1  # a new id space: the host remembers old asks
        return self._seq
