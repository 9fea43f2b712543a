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
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tinychat.bridges.mosquitto import Mosquitto
from tinychat.bridges.mqtt_client import DeviceClient, serve_in_background, wait_until_online

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mqtt", help="a broker already running on this device (default: start one)")
    parser.add_argument("--state", type=Path, help="the assistant's state directory (default: a fresh one)")
    parser.add_argument("--device", default="fridge-panel")
    args = parser.parse_args(argv)

    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fridge-panel-")))
        url = args.mqtt or cleanup.enter_context(Mosquitto(workdir / "broker")).url
        serve = cleanup.enter_context(serve_in_background(
            ["--domain", "fridge", "--device", args.device, "--state", str(args.state or workdir / "state"),
             "--mqtt", url], workdir / "serve.log"))
        panel = DeviceClient(url, args.device, "panel")
        cleanup.callback(panel.close)
        print(f"broker {url}; waiting for the assistant ...", flush=True)
        wait_until_online(panel, serve, workdir / "serve.log")
        for text in CONVERSATION:
            states_before = panel.count("state")
            reply = panel.ask(text)
            print(f"you  > {text}")
            print(f"door < {reply['reply']}" + ("   (waiting for an answer)" if reply["pending"] else ""),
                  flush=True)
        # the bridge republishes the snapshot after each turn it applied
        state = panel.wait("state", lambda body: panel.count("state") > states_before)
        print(f"\nstate snapshot (retained on tinychat/{args.device}/state):")
        print(json.dumps(state, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
