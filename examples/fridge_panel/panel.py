"""A simulated fridge door panel talking to the tinychat assistant over MQTT.

    python examples/fridge_panel/panel.py

starts a private mosquitto on a free loopback port (unless ``--mqtt`` names a broker), starts
``tinychat serve`` for the fridge domain, says a scripted conversation the way a door panel
would (publish on ``tinychat/<device>/ask``, wait for the matching ``reply``), prints each reply,
then the retained state snapshot, and shuts everything down.
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

from tinychat.bridges.broker_url import parse_broker_url
from tinychat.bridges.mosquitto import Mosquitto

#: what a person says at the door; "add to the fridge" makes the assistant ask a follow-up
CONVERSATION = [
    "add 3 apples to the fridge",
    "add to the fridge",
    "butter",
    "계란 열두 개 넣었어",
    "put milk on the shopping list",
    "what is in the fridge",
    "장보기 목록에 뭐 있어?",
]
TIMEOUT_S = 120.0


class Panel:
    """The door panel's MQTT side: one ask at a time, matched to its reply by id."""

    def __init__(self, url: str, device: str) -> None:
        self.topic = f"tinychat/{device}"
        self.messages: dict[str, list[Any]] = {}
        self.arrived = threading.Condition()
        broker = parse_broker_url(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"panel-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda client, *_: client.subscribe(f"{self.topic}/+", qos=1)
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        leaf = message.topic.rsplit("/", 1)[-1]
        try:
            body = json.loads(message.payload)
        except ValueError:
            body = message.payload.decode(errors="replace")
        with self.arrived:
            self.messages.setdefault(leaf, []).append(body)
            self.arrived.notify_all()

    def wait(self, leaf: str, matches: Any = lambda body: True, timeout: float = TIMEOUT_S) -> Any:
        def found() -> list[Any]:
            return [body for body in self.messages.get(leaf, []) if matches(body)]

        with self.arrived:
            if not self.arrived.wait_for(found, timeout):
                raise TimeoutError(f"nothing on {self.topic}/{leaf} within {timeout} s")
            return found()[-1]

    def count(self, leaf: str) -> int:
        with self.arrived:
            return len(self.messages.get(leaf, []))

    def say(self, text: str) -> dict[str, Any]:
        ask_id = uuid.uuid4().hex
        self.client.publish(f"{self.topic}/ask", json.dumps({"id": ask_id, "text": text}), qos=1)
        return self.wait("reply", lambda body: isinstance(body, dict) and body.get("id") == ask_id)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mqtt", help="a broker already running on this device (default: start one)")
    parser.add_argument("--state", type=Path, help="the assistant's state directory (default: a fresh one)")
    parser.add_argument("--device", default="fridge-panel")
    args = parser.parse_args(argv)

    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fridge-panel-")))
        url = args.mqtt or cleanup.enter_context(Mosquitto(workdir / "broker")).url
        serve_log = cleanup.enter_context(open(workdir / "serve.log", "wb"))
        serve = subprocess.Popen(
            [sys.executable, "-m", "tinychat.cli", "serve", "--domain", "fridge", "--device", args.device,
             "--state", str(args.state or workdir / "state"), "--mqtt", url],
            stdout=serve_log, stderr=subprocess.STDOUT)
        cleanup.callback(_stop, serve)
        panel = Panel(url, args.device)
        cleanup.callback(panel.close)
        print(f"broker {url}; waiting for the assistant ...", flush=True)
        try:
            panel.wait("status", lambda body: body == "online")
        except TimeoutError:
            print((workdir / "serve.log").read_text(errors="replace"), file=sys.stderr)
            raise
        for text in CONVERSATION:
            states_before = panel.count("state")
            reply = panel.say(text)
            print(f"you  > {text}")
            print(f"door < {reply['reply']}" + ("   (waiting for an answer)" if reply["pending"] else ""),
                  flush=True)
        # the bridge republishes the snapshot after each turn it applied
        state = panel.wait("state", lambda body: panel.count("state") > states_before)
        print(f"\nstate snapshot (retained on tinychat/{args.device}/state):")
        print(json.dumps(state, indent=2, ensure_ascii=False))
    return 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the assistant finishes its turn and says ``offline``."""
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    sys.exit(main())
