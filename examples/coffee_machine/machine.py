"""The maker's side of a custom domain: a (simulated) coffee machine whose actions the assistant calls.

    python examples/coffee_machine/machine.py

loads the model trained from ``domain.yaml`` (shipped in ``model/``; ``--model`` takes another),
registers the machine's methods as the handlers of its intents, says a scripted conversation in
English and Korean and prints each turn, then what the machine did. The dialogue itself (asking
for a missing drink, confirming descaling, replies from the spec) is the assistant's; the machine
only acts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tinychat.dialogue import ActionRefused, Assistant
from tinychat.domain.action import SlotValue

MODEL_DIR = Path(__file__).resolve().parent / "model"
DESCALE_MINUTES = 20

#: what a person says to the machine; "make me something" and "한 잔 내려 줘" get "which drink?",
#: descaling is confirmed first, and nothing brews while it runs
ENGLISH = [
    "a large strong latte please",
    "make me something",
    "a flat white",
    "have a cappuccino ready at 7 am",
    "descale the machine",
    "yes",
    "an espresso please",
]
KOREAN = [
    "아메리카노 큰 거로 진하게 내려 줘",
    "한 잔 내려 줘",
    "카푸치노요",
    "아침 6시 반에 라떼 준비해 줘",
    "석회 제거 해 줘",
    "아니요",
    "오늘 날씨 어때",
]


@dataclass
class CoffeeMachine:
    """A pretend appliance: it logs what it is asked to do and refuses to brew while it descales."""

    log: list[str] = field(default_factory=list)
    #: (time "HH:MM", drink id) of the brews it will start by itself
    schedule: list[tuple[str, str]] = field(default_factory=list)
    descaling: bool = False

    def brew(self, slots: dict[str, SlotValue]) -> None:
        """Slots are normalised ids: drink always (the dialogue asked for it), size and strength if said."""
        if self.descaling:
            raise ActionRefused(f"descaling takes {DESCALE_MINUTES} minutes and is still running")
        size, strength = slots.get("size", "regular"), slots.get("strength", "normal")
        self.log.append(f"brew {slots['drink']} size={size} strength={strength}")

    def schedule_brew(self, slots: dict[str, SlotValue]) -> None:
        drink = str(slots.get("drink", "coffee"))
        self.schedule.append((str(slots["time"]), drink))
        self.log.append(f"schedule {drink} at {slots['time']}")

    def descale(self, slots: dict[str, SlotValue]) -> dict[str, int]:
        """Only called once the user said yes (the spec marks descale destructive)."""
        self.descaling = True
        self.log.append("descale")
        return {"minutes": DESCALE_MINUTES}  # fills {minutes} in the spec's reply

    def finish_descaling(self) -> None:
        self.descaling = False
        self.log.append("descaling finished")


def connect(assistant: Assistant, machine: CoffeeMachine) -> None:
    """Make the machine's methods the handlers of the domain's intents."""
    assistant.on("brew", machine.brew)
    assistant.on("schedule_brew", machine.schedule_brew)
    assistant.on("descale", machine.descale)


def converse(assistant: Assistant, lines: list[str]) -> None:
    for text in lines:
        turn = assistant.handle(text)
        waiting = "   (waiting for an answer)" if turn.pending else ""
        print(f"you     > {text}")
        print(f"machine < {turn.reply}{waiting}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=MODEL_DIR, help="a model directory trained from domain.yaml")
    parser.add_argument("--state", type=Path, help="keep the assistant's state here (default: a temporary dir)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        machine = CoffeeMachine()
        with Assistant.load(args.model, state_dir=args.state or scratch) as assistant:
            connect(assistant, machine)
            converse(assistant, ENGLISH)
            print(f"        ({DESCALE_MINUTES} minutes later)")
            machine.finish_descaling()
            converse(assistant, KOREAN)
    print("\nwhat the machine did:")
    for entry in machine.log:
        print(f"  {entry}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
