"""The coffee machine's actions delivered over MQTT: the assistant runs in ``tinychat serve``, the
machine's firmware is an MQTT client on the same device.

    python examples/coffee_machine/over_mqtt.py

starts a private mosquitto on a free loopback port (unless ``--mqtt`` names a broker), starts
``tinychat serve`` on the coffee model, and connects two clients: the front panel, which publishes
what the user says on ``tinychat/<device>/ask``, and the machine, which listens on
``tinychat/<device>/reply`` and carries out every completed action (a reply with no question pending)
exactly once per ask id, however often the broker redelivers it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import MODEL_DIR, CoffeeMachine  # noqa: E402

from tinychat.bridges.broker_url import parse_broker_url  # noqa: E402
from tinychat.bridges.mosquitto import Mosquitto  # noqa: E402
from tinychat.dialogue import ActionRefused  # noqa: E402

CONVERSATION = ["a large strong latte please", "make me something", "a flat white", "descale the machine", "yes",
                "카푸치노 한 잔 내려 줘"]
ACTIONS = ("brew", "schedule_brew", "descale")
TIMEOUT_S = 120.0


class MqttClient:
    """One MQTT connection that collects what arrives on ``tinychat/<device>/<leaf>``."""

    def __init__(self, url: str, device: str, name: str) -> None:
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
        with self.arrived:
            self.messages.setdefault(leaf, []).append(body)
            self.arrived.notify_all()

    def wait(self, leaf: str, matches: Any, timeout: float = TIMEOUT_S) -> Any:
        def found() -> list[Any]:
            return [body for body in self.messages.get(leaf, []) if matches(body)]

        with self.arrived:
            if not self.arrived.wait_for(found, timeout):
                raise TimeoutError(f"nothing on {self.topic}/{leaf} within {timeout} s")
            return found()[-1]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class MachineFirmware(MqttClient):
    """The appliance side: turns completed actions in replies into what the machine does."""

    def __init__(self, url: str, device: str, machine: CoffeeMachine) -> None:
        self.machine = machine
        self.done: set[str] = set()
        super().__init__(url, device, "machine")

    def received(self, leaf: str, body: Any) -> None:
        if leaf == "reply" and isinstance(body, dict) and body.get("pending") is None and body["id"] not in self.done:
            action = body.get("action", {})
            if action.get("intent") in ACTIONS:
                self.done.add(body["id"])
                try:
                    getattr(self.machine, action["intent"])(action.get("slots", {}))
                except ActionRefused as refused:
                    self.machine.log.append(f"refused {action['intent']}: {refused}")
        super().received(leaf, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mqtt", help="a broker already running on this device (default: start one)")
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--device", default="coffee-1")
    args = parser.parse_args(argv)
    machine = CoffeeMachine()
    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="coffee-mqtt-")))
        url = args.mqtt or cleanup.enter_context(Mosquitto(workdir / "broker")).url
        log = cleanup.enter_context(open(workdir / "serve.log", "wb"))
        serve = subprocess.Popen([sys.executable, "-m", "tinychat.cli", "serve", "--domain", str(args.model),
                                  "--device", args.device, "--state", str(workdir / "state"), "--mqtt", url],
                                 stdout=log, stderr=subprocess.STDOUT)
        cleanup.callback(_stop, serve)
        firmware = MachineFirmware(url, args.device, machine)
        cleanup.callback(firmware.close)
        panel = MqttClient(url, args.device, "panel")
        cleanup.callback(panel.close)
        print(f"broker {url}; waiting for the assistant ...", flush=True)
        _wait_online(panel, serve, workdir / "serve.log")
        for text in CONVERSATION:
            ask_id = uuid.uuid4().hex
            panel.client.publish(f"{panel.topic}/ask", json.dumps({"id": ask_id, "text": text}), qos=1)
            reply = panel.wait("reply", lambda body, ask_id=ask_id: isinstance(body, dict) and body.get("id") == ask_id)
            firmware.wait("reply", lambda body, ask_id=ask_id: isinstance(body, dict) and body.get("id") == ask_id)
            print(f"you     > {text}\nmachine < {reply['reply']}", flush=True)
    print("\nwhat the machine did (from MQTT):")
    for entry in machine.log:
        print(f"  {entry}")
    return 0


def _wait_online(panel: MqttClient, serve: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for the retained ``online`` status; if ``serve`` exits first, say why."""
    for _ in range(int(TIMEOUT_S)):
        try:
            panel.wait("status", lambda body: body == "online", timeout=1.0)
            return
        except TimeoutError:
            if serve.poll() is not None:
                raise RuntimeError(f"tinychat serve exited ({serve.returncode}):\n{log.read_text()}") from None
    raise TimeoutError(f"tinychat serve did not come online within {TIMEOUT_S} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    sys.exit(main())
