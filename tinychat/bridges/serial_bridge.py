"""Serve an assistant over a serial port to a microcontroller (protocol: firmware/PROTOCOL.md).

One loop on the caller's thread: read frames, answer each ASK (ACK at once, then the REPLY), deliver the
assistant's events one at a time until acked, ping a silent device. A port that goes away once it has been open
(USB adapter unplugged, EIO) is reported and reopened every ``reopen_interval`` until it is back or ``stop`` is set;
a port that cannot be opened at start is a configuration error and raises SerialBridgeError.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import serial

from tinychat.bridges.serial_protocol import (
    PROTOCOL_VERSION,
    DecoderStats,
    ErrorCode,
    Flag,
    Frame,
    FrameDecoder,
    FrameError,
    MessageType,
    event_payload,
    nack_payload,
    parse_ask,
    reply_payload,
)
from tinychat.dialogue.turn import Event, Responder

log = logging.getLogger("tinychat.serial")


class SerialBridgeError(RuntimeError):
    """The serial port named on start cannot be opened."""


@dataclass(frozen=True)
class LinkTiming:
    """How patient the host side is; the device's own numbers are in tinychat_link.h."""

    ack_timeout: float = 0.25  # resend an unacked EVENT after this long
    retries: int = 5  # resends before an event is dropped (6 tries in all)
    ping_interval: float = 2.0  # ping a device not heard from for this long
    silence_limit: float = 6.0  # not heard for this long: hold events in the assistant until it is back
    event_poll_interval: float = 0.1
    reopen_interval: float = 1.0
    write_timeout: float = 2.0


@dataclass
class BridgeStats:
    asks: int = 0
    replies: int = 0
    nacks_sent: int = 0
    events_sent: int = 0
    events_acked: int = 0
    events_dropped: int = 0
    retransmits: int = 0
    pongs: int = 0
    disconnects: int = 0
    decoder: DecoderStats = field(default_factory=DecoderStats)


@dataclass
class _EventInFlight:
    frame: Frame
    sent_at: float
    tries: int = 1


def request_id(session: int, seq: int) -> str:
    """The id that makes a retried ASK idempotent: the device's session and the frame's seq."""
    return f"serial:{session:08x}:{seq:04x}"


class SerialBridge:
    """One serial port served for one responder; ``serve`` blocks until ``stop`` is set."""

    _REMEMBERED_ASKS = 256  # asks whose turn events were already queued (a retry must not queue them again)

    def __init__(
        self, responder: Responder, port: str, baud: int = 115200, *, timing: LinkTiming | None = None
    ) -> None:
        self.responder = responder
        self.port_name = port
        self.baud = baud
        self.timing = timing or LinkTiming()
        self.session = secrets.randbits(32) or 1
        self.stats = BridgeStats()
        self._next_seq = 0
        self._outbox: deque[Event] = deque()
        self._in_flight: _EventInFlight | None = None
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._last_heard = float("-inf")
        self._last_ping = float("-inf")
        self._next_poll = 0.0

    def serve(self, stop: threading.Event) -> None:
        try:
            port = self._open()
        except (serial.SerialException, OSError) as error:
            raise SerialBridgeError(f"cannot open serial port {self.port_name!r}: {error}") from error
        log.info("serial bridge on %s at %d baud (session %08x)", self.port_name, self.baud, self.session)
        while port is not None:
            try:
                self._serve_port(port, stop)
            except (serial.SerialException, OSError) as error:
                self.stats.disconnects += 1
                log.warning(
                    "serial port %s lost (%s): peer unplugged? reopening every %.1f s",
                    self.port_name, error, self.timing.reopen_interval,
                )
            finally:
                port.close()
            port = None if stop.is_set() else self._reopen(stop)

    def _open(self) -> serial.Serial:
        return serial.Serial(self.port_name, self.baud, timeout=0.01, write_timeout=self.timing.write_timeout)

    def _reopen(self, stop: threading.Event) -> serial.Serial | None:
        while not stop.wait(self.timing.reopen_interval):
            try:
                port = self._open()
            except (serial.SerialException, OSError):
                continue
            log.info("serial port %s is back", self.port_name)
            return port
        return None

    def _serve_port(self, port: serial.Serial, stop: threading.Event) -> None:
        decoder = FrameDecoder(stats=self.stats.decoder)
        port.write(b"\x00")  # ends whatever half frame the device had from before
        while not stop.is_set():
            data = port.read(max(1, port.in_waiting))
            now = time.monotonic()
            if data:
                for frame in decoder.feed(data):
                    self._last_heard = now
                    self._on_frame(port, frame)
            self._deliver_events(port, now)
            self._keep_alive(port, now)

    def _send(self, port: serial.Serial, frame: Frame) -> None:
        port.write(frame.encode())

    def _nack(self, port: serial.Serial, request: Frame, code: ErrorCode, message: str) -> None:
        self.stats.nacks_sent += 1
        self._send(port, Frame(MessageType.NACK, request.session, request.seq, nack_payload(code, message)))

    def _on_frame(self, port: serial.Serial, frame: Frame) -> None:
        if frame.version != PROTOCOL_VERSION:
            message = f"protocol version {frame.version} is not supported; this bridge speaks {PROTOCOL_VERSION}"
            self._nack(port, frame, ErrorCode.UNSUPPORTED_VERSION, message)
        elif frame.type == MessageType.ASK:
            self._answer(port, frame)
        elif frame.type == MessageType.PING:
            self._send(port, Frame(MessageType.PONG, frame.session, frame.seq, frame.payload))
        elif frame.type == MessageType.PONG:
            self.stats.pongs += 1
        elif frame.type in (MessageType.ACK, MessageType.NACK):
            self._on_event_answer(frame)
        elif frame.type in (MessageType.REPLY, MessageType.EVENT):
            self._nack(port, frame, ErrorCode.UNEXPECTED, f"{MessageType(frame.type).name} goes host to device")
        else:
            self._nack(port, frame, ErrorCode.UNKNOWN_TYPE, f"unknown message type {frame.type}")

    def _answer(self, port: serial.Serial, ask: Frame) -> None:
        self.stats.asks += 1
        try:
            text, lang = parse_ask(ask.payload)
        except FrameError as error:
            self._nack(port, ask, ErrorCode.BAD_PAYLOAD, str(error))
            return
        self._send(port, Frame(MessageType.ACK, ask.session, ask.seq))
        key = request_id(ask.session, ask.seq)
        try:
            turn = self.responder.handle(text, lang=lang, request_id=key)
            payload, truncated = reply_payload(turn)
        except Exception as error:  # an assistant failure is answered, and the link keeps serving
            log.exception("assistant failed on %r (%s)", text, key)
            self._nack(port, ask, ErrorCode.INTERNAL, f"assistant failed: {error}")
            return
        flags = Flag.TRUNCATED if truncated else 0
        self._send(port, Frame(MessageType.REPLY, ask.session, ask.seq, payload, flags))
        self.stats.replies += 1
        if key not in self._answered:
            self._outbox.extend(turn.events)
            self._answered[key] = None
            if len(self._answered) > self._REMEMBERED_ASKS:
                self._answered.popitem(last=False)

    def _on_event_answer(self, frame: Frame) -> None:
        sent = self._in_flight
        if sent is None or (frame.session, frame.seq) != (sent.frame.session, sent.frame.seq):
            return  # the answer to a ping or to an event already settled
        self._in_flight = None
        if frame.type == MessageType.ACK:
            self.stats.events_acked += 1
        else:
            self.stats.events_dropped += 1
            log.warning("device refused event seq %d: %r", frame.seq, frame.payload)

    def _deliver_events(self, port: serial.Serial, now: float) -> None:
        sent = self._in_flight
        if sent is not None:
            if now - sent.sent_at < self.timing.ack_timeout:
                return
            if sent.tries > self.timing.retries:
                self.stats.events_dropped += 1
                self._in_flight = None
                log.warning("event seq %d dropped: the device did not ack %d tries", sent.frame.seq, sent.tries)
                return
            retry = Frame(sent.frame.type, sent.frame.session, sent.frame.seq, sent.frame.payload,
                          sent.frame.flags | Flag.RETRANSMIT)
            self._send(port, retry)
            self.stats.retransmits += 1
            sent.sent_at, sent.tries = now, sent.tries + 1
            return
        peer_alive = now - self._last_heard < self.timing.silence_limit
        if not self._outbox and peer_alive and now >= self._next_poll:
            self._next_poll = now + self.timing.event_poll_interval
            try:
                self._outbox.extend(self.responder.poll_events())
            except Exception:  # an assistant failure must not stop the link; its events come on a later poll
                log.exception("assistant failed to poll events")
        if self._outbox:
            payload, truncated = event_payload(self._outbox.popleft())
            frame = Frame(MessageType.EVENT, self.session, self._take_seq(), payload,
                          Flag.TRUNCATED if truncated else 0)
            self._send(port, frame)
            self.stats.events_sent += 1
            self._in_flight = _EventInFlight(frame, now)

    def _keep_alive(self, port: serial.Serial, now: float) -> None:
        quiet = min(now - self._last_heard, now - self._last_ping)
        if quiet >= self.timing.ping_interval:
            self._send(port, Frame(MessageType.PING, self.session, self._take_seq()))
            self._last_ping = now

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq = (seq + 1) & 0xFFFF
        return seq


def run_serial_bridge(
    responder: Responder, port: str, baud: int = 115200, stop: threading.Event | None = None
) -> None:
    """Serve ``responder`` on ``port`` until ``stop`` is set (forever without one); see SerialBridge."""
    SerialBridge(responder, port, baud).serve(stop or threading.Event())
