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
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import MODEL_DIR, CoffeeMachine  # noqa: E402

from tinychat.bridges.mosquitto import Mosquitto  # noqa: E402
from tinychat.bridges.mqtt_client import (  # noqa: E402
    DeviceClient,
    is_reply_to,
    serve_in_background,
    wait_until_online,
)
from tinychat.dialogue import ActionRefused  # noqa: E402

CONVERSATION = ["a large strong latte please", "make me something", "a flat white", "descale the machine", "yes",
                "카푸치노 한 잔 내려 줘"]
ACTIONS = ("brew", "schedule_brew", "descale")


class MachineFirmware(DeviceClient):
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
        serve = cleanup.enter_context(serve_in_background(
            ["--domain", str(args.model), "--device", args.device, "--state", str(workdir / "state"), "--mqtt", url],
            workdir / "serve.log"))
        firmware = MachineFirmware(url, args.device, machine)
        cleanup.callback(firmware.close)
        panel = DeviceClient(url, args.device, "panel")
        cleanup.callback(panel.close)
        print(f"broker {url}; waiting for the assistant ...", flush=True)
        wait_until_online(panel, serve, workdir / "serve.log")
        for text in CONVERSATION:
            reply = panel.ask(text)
            firmware.wait("reply", lambda body, ask_id=reply["id"]: is_reply_to(body, ask_id))
            print(f"you     > {text}\nmachine < {reply['reply']}", flush=True)
    print("\nwhat the machine did (from MQTT):")
    for entry in machine.log:
        print(f"  {entry}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
