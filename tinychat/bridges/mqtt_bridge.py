"""The MQTT bridge: asks in, replies out, one turn at a time, each ask acknowledged only once answered.

paho's network thread only queues what arrives; one worker thread makes every call into the
responder (asks, Hermes queries, event polls) in the order received, so replies leave in the
order asked. Subscriptions are QoS 1 on a persistent session, and paho's ``manual_ack`` holds back
an ask's PUBACK until its turn was durably handled *and* its reply reached the broker. So an ask
the bridge acknowledged was applied and answered; one it had not is redelivered by the broker
after a reconnection or restart and answered again from the assistant's store of answered
request ids, never applied twice.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tinychat.bridges import hermes
from tinychat.bridges.broker_url import BrokerAddress, Credentials, check_broker_allowed
from tinychat.bridges.mqtt_messages import BadMessage, DeviceTopics, error_payload, read_ask, reply_payload
from tinychat.dialogue.turn import Event, Responder
from tinychat.domain.action import Action
from tinychat.domain.spec import DomainSpec

log = logging.getLogger(__name__)

QOS = 1
#: how long the broker keeps the bridge's subscriptions and queued asks while it is away
SESSION_EXPIRY_S = 7 * 24 * 3600
#: larger packets are dropped by the broker before they reach the appliance; smaller ones over the
#: payload limit are refused with a message on the error topic
MAX_PACKET_BYTES = 2 * 1024 * 1024
STOP_TIMEOUT_S = 5.0


class IntentParser(Protocol):
    """What the Hermes side needs: parse without acting (``tinychat.runtime.parser.Parser``)."""

    spec: DomainSpec

    def parse(self, text: str) -> Action: ...


@dataclass(frozen=True)
class BridgeSettings:
    device: str
    broker: BrokerAddress
    credentials: Credentials | None = None
    #: only with this may the broker be off the device (and then it needs TLS and credentials)
    allow_remote: bool = False
    #: a CA bundle for mqtts:// (default: the system's)
    ca_file: Path | None = None
    #: how often due timers and alarms are looked for
    poll_interval_s: float = 0.2
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    keepalive_s: int = 30
    #: Hermes siteIds to answer (None: every site)
    hermes_sites: frozenset[str] | None = None


@dataclass(frozen=True)
class _Inbound:
    topic: str
    payload: bytes
    mid: int
    qos: int
    #: the connection it arrived on; an ack is only valid on that one
    connection: int


class _AfterDelivery:
    """Runs a callback once the broker has acknowledged a published message.

    The broker's PUBACK (paho's ``on_publish``, network thread) may arrive before ``publish()``
    has returned its message id to the worker, so whichever of the two comes second runs it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, Callable[[], None] | None] = {}
        self._delivered: set[int] = set()

    def sent(self, mid: int, then: Callable[[], None] | None) -> None:
        with self._lock:
            ready = mid in self._delivered
            if ready:
                self._delivered.discard(mid)
            else:
                self._waiting[mid] = then
        if ready and then is not None:
            then()

    def delivered(self, mid: int) -> None:
        with self._lock:
            if mid not in self._waiting:
                self._delivered.add(mid)
                return
            then = self._waiting.pop(mid)
        if then is not None:
            then()


class MqttBridge:
    """Serves one responder on ``tinychat/<device>/...`` (and Hermes NLU queries, given a parser)."""

    def __init__(self, responder: Responder, settings: BridgeSettings, parser: IntentParser | None = None) -> None:
        check_broker_allowed(settings.broker, allow_remote=settings.allow_remote, credentials=settings.credentials)
        self.responder = responder
        self.settings = settings
        self.parser = parser
        self.topics = DeviceTopics.for_device(settings.device)
        self._inbox: queue.Queue[_Inbound | None] = queue.Queue()
        self._deliveries = _AfterDelivery()
        self._lock = threading.Lock()
        self._connection = 0
        self._connected = threading.Event()
        self._stopping = threading.Event()
        self._state_stale = threading.Event()
        self._last_state: dict[str, Any] | None = None
        self._client = self._make_client()
        self._worker = threading.Thread(target=self._work, name=f"tinychat-mqtt-{settings.device}", daemon=True)

    def _make_client(self) -> mqtt.Client:
        broker = self.settings.broker
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"tinychat-{self.settings.device}",
                             protocol=mqtt.MQTTv5, transport="unix" if broker.is_unix_socket else "tcp",
                             manual_ack=True)
        client.will_set(self.topics.status, "offline", qos=QOS, retain=True)
        if self.settings.credentials is not None:
            client.username_pw_set(self.settings.credentials.username, self.settings.credentials.password)
        if broker.tls:
            client.tls_set(ca_certs=str(self.settings.ca_file) if self.settings.ca_file else None)
        client.reconnect_delay_set(self.settings.reconnect_min_s, self.settings.reconnect_max_s)  # type: ignore[arg-type]
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        return client

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying with backoff until the broker is there) and start serving."""
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        properties.MaximumPacketSize = MAX_PACKET_BYTES
        broker = self.settings.broker
        self._worker.start()
        self._client.connect_async(broker.host, broker.port or 1883, keepalive=self.settings.keepalive_s,
                                   clean_start=False, properties=properties)
        self._client.loop_start()

    def wait_until_connected(self, timeout: float | None = None) -> bool:
        """True once connected and subscribed (asks published from then on are answered)."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Finish the turn in hand, say ``offline``, disconnect. Asks not yet answered stay with the broker."""
        self._stopping.set()
        self._inbox.put(None)
        self._worker.join(STOP_TIMEOUT_S)
        if self._connected.is_set():
            info = self._client.publish(self.topics.status, "offline", qos=QOS, retain=True)
            try:
                info.wait_for_publish(STOP_TIMEOUT_S)
            except (RuntimeError, ValueError):
                log.warning("could not publish 'offline' before disconnecting; the broker's will says it instead")
        self._client.disconnect()
        self._client.loop_stop()

    def run(self, stop: threading.Event) -> None:
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()

    # -- paho callbacks (network thread) -------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            log.warning("broker %s refused the connection: %s", self.settings.broker, reason)
            return
        sock = client.socket()
        if not self.settings.broker.is_unix_socket and sock is not None:
            # a reply and an ack are small writes in a row: Nagle's algorithm would hold the second one
            # until the broker's delayed ACK (~40 ms on Linux)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._connection += 1
        log.info("connected to %s (session %s)", self.settings.broker,
                 "resumed" if flags.session_present else "new")
        topics = [(self.topics.ask, QOS)] + ([(hermes.QUERY_TOPIC, QOS)] if self.parser is not None else [])
        client.subscribe(topics)

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: list[Any], properties: Any) -> None:
        """Only now are asks received, so only now is the device ``online``."""
        refused = [str(reason) for reason in reasons if reason.is_failure]
        if refused:
            log.error("broker %s refused the subscriptions: %s", self.settings.broker, ", ".join(refused))
            return
        self._send(self.topics.status, "online", retain=True)
        self._state_stale.set()
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        with self._lock:
            self._connection += 1
        self._connected.clear()
        if not self._stopping.is_set():
            log.warning("lost the broker (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            connection = self._connection
        self._inbox.put(_Inbound(message.topic, bytes(message.payload), message.mid, message.qos, connection))

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        self._deliveries.delivered(mid)

    # -- the worker: every call into the responder happens here --------------------------------

    def _work(self) -> None:
        next_poll = time.monotonic()
        while not self._stopping.is_set():
            try:
                inbound = self._inbox.get(timeout=max(0.0, next_poll - time.monotonic()))
            except queue.Empty:
                inbound = None
            if self._stopping.is_set():
                return
            try:
                if inbound is not None:
                    self._serve(inbound)
                polled = time.monotonic() >= next_poll
                if polled:
                    self._publish_events(self.responder.poll_events())
                    next_poll = time.monotonic() + self.settings.poll_interval_s
                # after the turns in hand, or at the poll interval while a burst keeps coming
                if self._state_stale.is_set() and (polled or self._inbox.empty()):
                    self._publish_state()
            except Exception:
                log.exception("the bridge's worker hit an error; it goes on serving")

    def _serve(self, inbound: _Inbound) -> None:
        ack = self._ack_once_answered(inbound)
        try:
            if inbound.topic == hermes.QUERY_TOPIC:
                self._answer_query(inbound, ack)
            else:
                self._answer_ask(inbound, ack)
        except Exception as err:  # a message that trips a bug must not come back forever
            log.exception("serving a message on %s failed", inbound.topic)
            bad = BadMessage("internal_error", f"{type(err).__name__}: {err}")
            self._send(self.topics.error, error_payload(bad, inbound.topic, len(inbound.payload)), then=ack)

    def _answer_ask(self, inbound: _Inbound, ack: Callable[[], None]) -> None:
        try:
            ask = read_ask(inbound.payload)
            try:
                turn = self.responder.handle(ask.text, lang=ask.lang, request_id=f"mqtt:{ask.id}")
            except Exception as err:
                log.exception("the turn for ask %r failed", ask.id)
                raise BadMessage("turn_failed", f"{type(err).__name__}: {err}", ask.id) from err
        except BadMessage as bad:
            log.warning("refused a message on %s: %s", inbound.topic, bad)
            self._send(self.topics.error, error_payload(bad, inbound.topic, len(inbound.payload)), then=ack)
            return
        self._publish_events(turn.events)
        self._send(self.topics.reply, reply_payload(ask.id, turn), then=ack)
        self._state_stale.set()

    def _answer_query(self, inbound: _Inbound, ack: Callable[[], None]) -> None:
        assert self.parser is not None, "Hermes queries are only subscribed to with a parser"
        try:
            query = hermes.read_query(inbound.payload)
            sites = self.settings.hermes_sites
            if sites is not None and query.site_id not in sites:
                ack()
                return
            try:
                action = self.parser.parse(query.input)
            except Exception as err:
                log.exception("parsing Hermes query %r failed", query.id)
                raise BadMessage("parse_failed", f"{type(err).__name__}: {err}", query.id) from err
        except BadMessage as bad:
            self._send(hermes.ERROR_TOPIC, hermes.error_payload(bad, inbound.payload), then=ack)
            return
        *first, (last_topic, last_payload) = hermes.answer_query(query, action, self.parser.spec)
        for topic, payload in first:
            self._send(topic, payload)
        self._send(last_topic, last_payload, then=ack)

    def _publish_events(self, events: list[Event]) -> None:
        for event in events:
            self._send(self.topics.event, event.model_dump(mode="json"))
        if events:
            self._state_stale.set()

    def _publish_state(self) -> None:
        """The retained snapshot, and a ``state_changed`` event naming what changed since the last one."""
        self._state_stale.clear()
        state = self.responder.snapshot()
        previous = self._last_state
        if previous is not None and state != previous:
            changed = sorted(key for key in state.keys() | previous.keys() if state.get(key) != previous.get(key))
            self._send(self.topics.event, {"kind": "state_changed", "keys": changed})
        self._send(self.topics.state, state, retain=True)
        self._last_state = state

    # -- publishing and acknowledging ----------------------------------------------------------

    def _send(self, topic: str, payload: dict[str, Any] | str, retain: bool = False,
              then: Callable[[], None] | None = None) -> None:
        """Publish at QoS 1 (queued by paho while disconnected); ``then`` runs once the broker has it."""
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        info = self._client.publish(topic, body, qos=QOS, retain=retain)
        self._deliveries.sent(info.mid, then)

    def _ack_once_answered(self, inbound: _Inbound) -> Callable[[], None]:
        """The PUBACK for ``inbound``, sent only on the connection it came on.

        After a reconnection the broker redelivers every ask it holds unacknowledged (and may
        reuse a packet id for another message), so an ack from an older connection is dropped.
        """

        def ack() -> None:
            with self._lock:
                current = inbound.connection == self._connection
            if current and inbound.qos > 0:
                self._client.ack(inbound.mid, inbound.qos)

        return ack
