"""Fixtures for the bridge tests: a real mosquitto on a free loopback port, a watching MQTT client,
a responder that records what it applied, and the bridge wired to them."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tinychat.bridges.broker_url import parse_broker_url
from tinychat.bridges.mosquitto import Mosquitto, MosquittoNotFound
from tinychat.bridges.mqtt_bridge import BridgeSettings, MqttBridge
from tinychat.dialogue.turn import ActionSummary, Event, Turn

DEVICE = "fridge-1"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    try:
        mosquitto = Mosquitto(tmp_path / "broker")
    except MosquittoNotFound as err:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(err))
    mosquitto.start()
    yield mosquitto
    mosquitto.stop()


class RecordingResponder:
    """A Responder that keeps, per request id, how often it was *applied* (not merely answered)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: Counter[str] = Counter()
        self.answered: dict[str, Turn] = {}
        self.items: list[str] = []
        self.due_events: list[Event] = []

    def handle(self, text: str, *, lang: str | None = None, request_id: str | None = None) -> Turn:
        with self.lock:
            if request_id is not None and request_id in self.answered:
                return self.answered[request_id]
            self.items.append(text)
            if request_id is not None:
                self.applied[request_id] += 1
            turn = Turn(reply=f"noted {text}", lang=lang or "en",
                        action=ActionSummary(intent="note", slots={"count": len(self.items)}))
            if request_id is not None:
                self.answered[request_id] = turn
            return turn

    def poll_events(self) -> list[Event]:
        with self.lock:
            due, self.due_events = self.due_events, []
            return due

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"items": list(self.items)}


@pytest.fixture
def responder() -> RecordingResponder:
    return RecordingResponder()


class Watcher:
    """An MQTT client on the test's side: publishes asks and keeps every message it sees, in order."""

    def __init__(self, url: str, topics: list[str], client_id: str | None = None) -> None:
        address = parse_broker_url(url)
        #: (topic, body, retained, monotonic time of arrival)
        self.received: list[tuple[str, Any, bool, float]] = []
        self.changed = threading.Condition()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"watcher-{uuid.uuid4().hex}",
                                  protocol=mqtt.MQTTv5)
        self.client.reconnect_delay_set(0.1, 0.5)  # type: ignore[arg-type]
        self.client.max_queued_messages_set(0)
        self.client.on_connect = lambda c, *_: self._subscribe(c, topics)
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        self.client.connect(address.host, address.port, clean_start=False, properties=properties)
        self.client.loop_start()
        assert self.subscribed.wait(5), "the watcher could not subscribe"

    @staticmethod
    def _subscribe(client: mqtt.Client, topics: list[str]) -> None:
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the bridge does
        client.subscribe([(t, 1) for t in topics])

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            body: Any = json.loads(message.payload)
        except ValueError:
            body = message.payload.decode(errors="replace")
        with self.changed:
            self.received.append((message.topic, body, bool(message.retain), time.monotonic()))
            self.changed.notify_all()

    def publish(self, topic: str, payload: Any) -> mqtt.MQTTMessageInfo:
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        return self.client.publish(topic, body, qos=1)

    def on(self, topic: str) -> list[Any]:
        with self.changed:
            return [body for t, body, _, _ in self.received if t == topic]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(min(remaining, 0.2))
        return True

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def watcher(broker: Mosquitto) -> Iterator[Callable[..., Watcher]]:
    made: list[Watcher] = []

    def make(topics: list[str] | None = None, client_id: str | None = None, url: str | None = None) -> Watcher:
        made.append(Watcher(url or broker.url, topics or [f"tinychat/{DEVICE}/#", "hermes/#"], client_id))
        return made[-1]

    yield make
    for w in made:
        w.close()


def bridge_settings(broker: Mosquitto, **overrides: Any) -> BridgeSettings:
    values: dict[str, Any] = {"device": DEVICE, "broker": parse_broker_url(broker.url), "reconnect_min_s": 0.1,
                              "reconnect_max_s": 1.0, "poll_interval_s": 0.05}
    return BridgeSettings(**{**values, **overrides})


@pytest.fixture
def running_bridge(broker: Mosquitto) -> Iterator[Callable[..., MqttBridge]]:
    """Start a bridge for a responder (and optionally a parser); stopped at the end of the test."""
    started: list[MqttBridge] = []

    def start(responder: Any, parser: Any = None, **overrides: Any) -> MqttBridge:
        bridge = MqttBridge(responder, bridge_settings(broker, **overrides), parser=parser)
        bridge.start()
        assert bridge.wait_until_connected(10), "the bridge did not connect"
        started.append(bridge)
        return bridge

    yield start
    for bridge in started:
        bridge.stop()


class ConnectionLog:
    """Every socket connection and name lookup this process makes while recording (via an audit hook).

    A connection to a socket this process itself bound (paho's wake-up socket pair) stays in the
    process, so it is kept apart from the rest.
    """

    hook_installed = False
    active: ConnectionLog | None = None

    def __init__(self) -> None:
        self.connects: list[tuple[int, object]] = []
        self.in_process: list[object] = []
        self.lookups: list[object] = []
        self.bound: list[socket.socket] = []
        self.lock = threading.Lock()

    def __enter__(self) -> ConnectionLog:
        if not ConnectionLog.hook_installed:
            sys.addaudithook(ConnectionLog._hook)
            ConnectionLog.hook_installed = True
        ConnectionLog.active = self
        return self

    def __exit__(self, *exc: object) -> None:
        ConnectionLog.active = None

    @staticmethod
    def _hook(event: str, args: tuple) -> None:
        log = ConnectionLog.active
        if log is None or not event.startswith("socket."):
            return
        with log.lock:
            if event == "socket.bind":
                log.bound.append(args[0])
            elif event in ("socket.connect", "socket.sendto", "socket.sendmsg") and args[1] is not None:
                own = {s.getsockname() for s in log.bound if s.fileno() != -1}
                target = args[1]
                (log.in_process if target in own else log.connects).append((args[0].family, target))
            elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
                log.lookups.append(args[0])


@pytest.fixture
def connection_log() -> type[ConnectionLog]:
    return ConnectionLog
