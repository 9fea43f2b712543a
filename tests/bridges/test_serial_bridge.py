"""The bridge over real pty pairs: the test plays the device on the master end, the bridge opens the slave path."""

import errno
import logging
import os
import random
import select
import statistics
import threading
import time
import tty
from collections import Counter, deque

import pytest

from tinychat.bridges.serial_bridge import LinkTiming, SerialBridge, SerialBridgeError, request_id, run_serial_bridge
from tinychat.bridges.serial_protocol import (
    ErrorCode,
    Flag,
    Frame,
    FrameDecoder,
    MessageType,
    ask_payload,
    parse_event,
    parse_nack,
    parse_reply,
)
from tinychat.dialogue import Assistant
from tinychat.dialogue.turn import ActionSummary, Event, Turn

FAST = LinkTiming(ack_timeout=0.05, retries=2, ping_interval=0.2, silence_limit=1.0, reopen_interval=0.05)


class CountingResponder:
    """Responder test double: echoes the text, applies each request id once and answers a repeat from its store."""

    def __init__(self, events=()):
        self.calls: Counter[str | None] = Counter()
        self.applied: list[str] = []
        self.pending_events = list(events)
        self.events_with_next_turn: list[Event] = []
        self._turns: dict[str, Turn] = {}
        self._lock = threading.Lock()

    def handle(self, text, *, lang=None, request_id=None):
        with self._lock:
            self.calls[request_id] += 1
            if request_id in self._turns:
                return self._turns[request_id]
            if text == "fail":
                raise RuntimeError("the model file is missing")
            self.applied.append(text)
            turn = Turn(
                reply=f"echo {text}", lang=lang or "en", events=self.events_with_next_turn,
                action=ActionSummary(intent="echo", slots={"count": len(self.applied)}),
            )
            self.events_with_next_turn = []
            self._turns[request_id] = turn
            return turn

    def poll_events(self):
        with self._lock:
            events, self.pending_events = self.pending_events, []
            return events

    def snapshot(self):
        return {"applied": list(self.applied)}


def _event(number):
    return Event(kind="timer", id=number, due="2026-11-23T10:00:00", text=f"timer {number} done", lang="en")


class Device:
    """The device end of the pty: sends frames, reads them back, answers pings, keeps events and acks apart."""

    def __init__(self, fd, session=0xD0D0_0001):
        self.fd = fd
        self.session = session
        self.decoder = FrameDecoder()
        self.received: deque[Frame] = deque()
        self.pings = 0

    def wait_for_bridge(self):
        """The bridge pings as it opens the port; bytes written before that are flushed by the open."""
        deadline = time.monotonic() + 3
        while not self.pings:
            assert time.monotonic() < deadline, "the bridge did not open the port"
            self.pump(0.05)
        return self

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            _, ready, _ = select.select([], [self.fd], [], 2.0)
            assert ready, "the bridge stopped reading"
            view = view[os.write(self.fd, view) :]

    def ask(self, seq, text, lang="en", flags=0, session=None):
        session = self.session if session is None else session
        frame = Frame(MessageType.ASK, session, seq, ask_payload(text, lang), flags)
        self.write(frame.encode())
        return frame

    def pump(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            for frame in self.decoder.feed(os.read(self.fd, 65536)):
                if frame.type == MessageType.PING:
                    self.pings += 1
                    self.write(Frame(MessageType.PONG, frame.session, frame.seq, frame.payload).encode())
                else:
                    self.received.append(frame)

    def next(self, *types, timeout=3.0):
        """The first received frame of one of ``types`` (other frames stay queued)."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.received:
                if frame.type in types:
                    self.received.remove(frame)
                    return frame
            left = deadline - time.monotonic()
            assert left > 0, f"no {[MessageType(t).name for t in types]} within {timeout}s; got {list(self.received)}"
            self.pump(min(left, 0.05))

    def answer(self, seq, timeout=3.0):
        """ACK then REPLY for the ask ``seq``."""
        ack = self.next(MessageType.ACK, MessageType.NACK, timeout=timeout)
        assert (ack.type, ack.seq) == (MessageType.ACK, seq)
        reply = self.next(MessageType.REPLY, timeout=timeout)
        assert (reply.session, reply.seq) == (self.session, seq)
        return parse_reply(reply.payload)


def _pty():
    master, slave = os.openpty()
    tty.setraw(slave)  # raw before the bridge opens it: no echo of bytes written early
    return master, slave


class Link:
    """A bridge serving a responder on a pty slave path, in a thread."""

    def __init__(self, responder, port, timing=FAST):
        self.bridge = SerialBridge(responder, port, timing=timing)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.bridge.serve, args=(self.stop,), daemon=True)
        self.thread.start()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


@pytest.fixture
def responder():
    return CountingResponder()


@pytest.fixture
def serve(responder):
    opened = []

    def start(timing=FAST):
        master, slave = _pty()
        link = Link(responder, os.ttyname(slave), timing)
        opened.append((link, master, slave))
        return Device(master).wait_for_bridge(), link

    yield start
    for link, master, slave in opened:
        link.close()
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass


def test_ask_is_acked_then_answered(serve, responder):
    device, _ = serve()
    device.ask(1, "hello there", lang="fr")
    reply = device.answer(1)
    assert (reply.text, reply.lang, reply.intent, reply.slots) == ("echo hello there", "fr", "echo", {"count": "1"})
    assert responder.calls == {request_id(device.session, 1): 1}


def test_retried_ask_is_answered_again_but_applied_once(serve, responder):
    device, _ = serve()
    device.ask(7, "add eggs")
    first = device.answer(7)
    device.ask(7, "add eggs", flags=Flag.RETRANSMIT)  # the reply was lost; the device asks again
    again = device.answer(7)
    assert again == first
    assert responder.applied == ["add eggs"]
    assert responder.calls[request_id(device.session, 7)] == 2
    device.ask(7, "add eggs", session=0xD0D0_0002)  # the device rebooted: a new session, same seq, a new request
    device.session = 0xD0D0_0002
    assert device.answer(7).slots == {"count": "2"}
    assert responder.applied == ["add eggs", "add eggs"]


def test_garbage_bit_flips_and_truncated_frames_are_dropped_and_service_goes_on(serve, responder):
    device, link = serve()
    rng = random.Random(3)
    for seq in range(1, 21):
        wire = Frame(MessageType.ASK, device.session, seq, ask_payload(f"question {seq}", "en")).encode()
        device.write(rng.randbytes(rng.randint(1, 60)))  # line noise between frames
        flipped = bytearray(wire)
        flipped[rng.randrange(1, len(wire) - 1)] ^= 1 << rng.randrange(8)
        device.write(bytes(flipped))  # a bit flip: no answer
        device.write(wire[: rng.randrange(2, len(wire) - 1)])  # cut off: no answer
        device.write(wire)  # the device's retry gets through
        assert device.answer(seq).text == f"echo question {seq}"
    assert responder.applied == [f"question {seq}" for seq in range(1, 21)]
    assert link.bridge.stats.decoder.rejected >= 40


def test_refusals_are_nacked_with_a_reason(serve):
    device, _ = serve()
    cases = [
        (Frame(MessageType.ASK, device.session, 1, b"en\x00no terminator"), ErrorCode.BAD_PAYLOAD),
        (Frame(MessageType.ASK, device.session, 2, ask_payload("hi"), version=2), ErrorCode.UNSUPPORTED_VERSION),
        (Frame(42, device.session, 3), ErrorCode.UNKNOWN_TYPE),
        (Frame(MessageType.REPLY, device.session, 4, b"en\x00x\x00y\x00\x00"), ErrorCode.UNEXPECTED),
        (Frame(MessageType.ASK, device.session, 5, ask_payload("fail")), ErrorCode.INTERNAL),
    ]
    for frame, code in cases:
        device.write(frame.encode())
        nack = device.next(MessageType.NACK)
        assert (nack.seq, parse_nack(nack.payload)[0]) == (frame.seq, code)
    assert device.next(MessageType.ACK).seq == 5  # the assistant failed after the ask was acked
    device.ask(6, "still there?")
    assert device.answer(6).text == "echo still there?"


def test_events_are_retried_until_acked_and_delivered_once(serve, responder):
    responder.pending_events = [_event(1), _event(2)]
    device, link = serve(LinkTiming(ack_timeout=0.1, retries=10, ping_interval=0.2, silence_limit=1.0))
    first = device.next(MessageType.EVENT)
    retry = device.next(MessageType.EVENT)  # not acked: sent again, same seq
    assert (retry.seq, retry.payload, retry.flags & Flag.RETRANSMIT) == (first.seq, first.payload, Flag.RETRANSMIT)
    device.write(Frame(MessageType.ACK, retry.session, retry.seq).encode())
    second = device.next(MessageType.EVENT)
    while second.seq == first.seq:  # a resend that crossed our ACK
        second = device.next(MessageType.EVENT)
    device.write(Frame(MessageType.ACK, second.session, second.seq).encode())
    assert [parse_event(f.payload).id for f in (first, second)] == [1, 2]
    device.pump(0.3)
    assert not [f for f in device.received if f.type == MessageType.EVENT and f.seq != second.seq]
    assert (link.bridge.stats.events_acked, link.bridge.stats.events_dropped) == (2, 0)


def test_event_never_acked_is_dropped_after_the_retries(serve, responder):
    responder.pending_events = [_event(9)]
    device, link = serve()
    sent = [device.next(MessageType.EVENT) for _ in range(FAST.retries + 1)]
    assert len({(f.session, f.seq) for f in sent}) == 1
    device.pump(0.3)
    assert link.bridge.stats.events_dropped == 1


def test_events_of_a_turn_follow_its_reply_and_not_again_on_a_retry(serve, responder):
    responder.events_with_next_turn = [_event(5)]
    device, _ = serve()
    device.ask(1, "set a timer")
    device.answer(1)
    event = device.next(MessageType.EVENT)
    device.write(Frame(MessageType.ACK, event.session, event.seq).encode())
    device.ask(1, "set a timer", flags=Flag.RETRANSMIT)
    device.answer(1)
    device.pump(0.3)
    assert parse_event(event.payload).id == 5
    assert not [f for f in device.received if f.type == MessageType.EVENT]


def test_device_ping_is_answered(serve):
    device, _ = serve()
    device.write(Frame(MessageType.PING, device.session, 11, b"t=123").encode())
    pong = device.next(MessageType.PONG)
    assert (pong.session, pong.seq, pong.payload) == (device.session, 11, b"t=123")


def test_burst_of_a_thousand_asks_is_answered_in_order(serve, responder, capsys):
    device, _ = serve()
    count = 1000
    asks = [Frame(MessageType.ASK, device.session, seq, ask_payload(f"q{seq}", "en")).encode() for seq in range(count)]
    started = time.perf_counter()
    writer = threading.Thread(target=lambda: device.write(b"".join(asks)))
    writer.start()
    replies = [device.next(MessageType.REPLY, timeout=10) for _ in range(count)]
    burst = time.perf_counter() - started
    writer.join()
    assert [r.seq for r in replies] == list(range(count))
    assert [device.next(MessageType.ACK).seq for _ in range(count)] == list(range(count))
    assert [parse_reply(r.payload).text for r in replies] == [f"echo q{seq}" for seq in range(count)]
    assert len(responder.applied) == count

    latencies = []
    for seq in range(count, count + 200):  # one at a time, as a device waiting on each answer does
        started = time.perf_counter()
        device.ask(seq, "ping")
        device.answer(seq)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    with capsys.disabled():
        print(
            f"\nserial burst over pty: {count} asks answered in {burst:.2f}s ({count / burst:.0f} asks/s); "
            f"one at a time: median {statistics.median(latencies) * 1e3:.2f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms per ask-ack-reply"
        )


def test_unplugged_peer_is_reported_and_the_port_reopened_when_back(responder, tmp_path, caplog):
    port = tmp_path / "ttyWATCH"  # like a udev symlink in /dev/serial/by-id/
    master, slave = _pty()
    port.symlink_to(os.ttyname(slave))
    link = Link(responder, str(port))
    try:
        device = Device(master).wait_for_bridge()
        device.ask(1, "before")
        assert device.answer(1).text == "echo before"
        with caplog.at_level(logging.WARNING, logger="tinychat.serial"):
            os.close(master)
            os.close(slave)
            _wait_for(lambda: link.bridge.stats.disconnects == 1)
        assert "peer unplugged?" in caplog.text and str(port) in caplog.text
        assert link.thread.is_alive()

        master, slave = _pty()  # plugged in again, maybe under another pts number
        port.unlink()
        port.symlink_to(os.ttyname(slave))
        device = Device(master).wait_for_bridge()
        device.ask(2, "after")
        assert device.answer(2).text == "echo after"
    finally:
        link.close()
        for fd in (master, slave):
            _close_quietly(fd)


def test_port_that_cannot_be_opened_at_start_is_a_clear_error(responder, tmp_path):
    missing = tmp_path / "ttyUSB9"
    with pytest.raises(SerialBridgeError, match=f"cannot open serial port '{missing}'"):
        run_serial_bridge(responder, str(missing), stop=threading.Event())


def _wait_for(condition, timeout=3.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def _close_quietly(fd):
    try:
        os.close(fd)
    except OSError as error:
        assert error.errno == errno.EBADF


def test_real_assistant_answers_over_serial_and_a_retry_does_not_add_twice(tmp_path):
    with Assistant.load("fridge", state_dir=tmp_path) as assistant:
        master, slave = _pty()
        link = Link(assistant, os.ttyname(slave))
        try:
            device = Device(master).wait_for_bridge()
            device.ask(1, "I bought 3 eggs", lang="en")
            bought = device.answer(1, timeout=30)
            device.ask(1, "I bought 3 eggs", lang="en", flags=Flag.RETRANSMIT)  # as if the reply had been lost
            assert device.answer(1, timeout=30) == bought
            device.ask(2, "how many eggs do we have", lang="en")
            count = device.answer(2, timeout=30)
        finally:
            link.close()
            os.close(master)
            os.close(slave)
        assert (bought.intent, bought.slots) == ("inventory_add", {"item": "egg", "quantity": "3"})
        assert count.intent == "inventory_query" and "three" in count.text and "six" not in count.text, count
        assert [(row["item"], row["quantity"]) for row in assistant.snapshot()["inventory"]] == [("egg", 3)]
