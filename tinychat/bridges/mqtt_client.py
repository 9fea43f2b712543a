"""The appliance's side of the MQTT protocol: say something, get the reply to that ask, see what else arrived.

A door panel, a coffee machine's firmware or a test uses it to talk to ``tinychat serve`` on the
same device; it collects every message on ``tinychat/<device>/+`` by topic leaf.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tinychat.bridges.broker_url import parse_broker_url

#: how long to wait for an answer; a first turn loads the model
TIMEOUT_S = 120.0


class DeviceClient:
    """One MQTT connection to the assistant of ``device``; subclasses act on messages in ``received``."""

    def __init__(self, url: str, device: str, name: str = "panel") -> None:
        self.topic = f"tinychat/{device}"
        self.messages: dict[str, list[Any]] = {}
        self.arrived = threading.Condition()
        broker = parse_broker_url(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{name}-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda client, *_: client.subscribe(f"{self.topic}/+", qos=1)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(message.payload)
        except ValueError:
            body = message.payload.decode(errors="replace")
        self.received(message.topic.rsplit("/", 1)[-1], body)

    def received(self, leaf: str, body: Any) -> None:
        """Keep a message that arrived on ``tinychat/<device>/<leaf>``."""
        with self.arrived:
            self.messages.setdefault(leaf, []).append(body)
            self.arrived.notify_all()

    def wait(self, leaf: str, matches: Callable[[Any], bool] = lambda body: True, timeout: float = TIMEOUT_S) -> Any:
        """The latest message on ``leaf`` that ``matches``, waiting up to ``timeout`` seconds for one."""
        def found() -> list[Any]:
            return [body for body in self.messages.get(leaf, []) if matches(body)]

        with self.arrived:
            if not self.arrived.wait_for(found, timeout):
                raise TimeoutError(f"nothing on {self.topic}/{leaf} within {timeout} s")
            return found()[-1]

    def count(self, leaf: str) -> int:
        with self.arrived:
            return len(self.messages.get(leaf, []))

    def ask(self, text: str, lang: str | None = None, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        """Publish an ask and wait for the reply that carries its id."""
        ask_id = uuid.uuid4().hex
        body = {"id": ask_id, "text": text, **({"lang": lang} if lang else {})}
        self.client.publish(f"{self.topic}/ask", json.dumps(body), qos=1)
        return self.wait("reply", lambda reply: is_reply_to(reply, ask_id), timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def is_reply_to(body: Any, ask_id: str) -> bool:
    return isinstance(body, dict) and body.get("id") == ask_id


@contextmanager
def serve_in_background(serve_args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``tinychat serve SERVE_ARGS`` as a child process writing to ``log``, for examples and tests.

    Leaving the block sends SIGTERM, so the assistant finishes its turn and says ``offline``.
    """
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "tinychat.cli", "serve", *serve_args],
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_online(client: DeviceClient, serve: subprocess.Popen[bytes], log: Path,
                      timeout: float = TIMEOUT_S) -> None:
    """Wait for the retained ``online`` status; if ``serve`` exits first, say why with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.wait("status", lambda body: body == "online", timeout=1.0)
            return
        except TimeoutError:
            if serve.poll() is not None:
                raise RuntimeError(f"tinychat serve exited ({serve.returncode}):\n{log.read_text()}") from None
    raise TimeoutError(f"tinychat serve did not come online within {timeout} s:\n{log.read_text()}")
