"""examples/coffee_machine: a maker's own domain, from its spec to a dialogue that drives the machine."""

import functools
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tinychat.data.synth import CorpusBuilder
from tinychat.domain.action import resolve_action
from tinychat.domain.spec import LANGUAGES, SHARED_INTENTS, load_spec
from tinychat.model.checkpoint import load_model_dir
from tinychat.runtime.evaluate import evaluate, read_labelled
from tinychat.runtime.parser import Parser

EXAMPLE = Path(__file__).parents[2] / "examples" / "coffee_machine"
SPEC = EXAMPLE / "domain.yaml"
MODEL = EXAMPLE / "model"
CHECK = EXAMPLE / "check.jsonl"
OWN_INTENTS = ("brew", "schedule_brew", "descale")


@functools.cache
def machine_module():
    """examples/coffee_machine/machine.py, imported from its file (registered first: it defines dataclasses)."""
    spec = importlib.util.spec_from_file_location("coffee_machine_example", EXAMPLE / "machine.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the spec


def test_the_spec_declares_slots_follow_ups_and_confirmation():
    spec = load_spec(SPEC)
    assert spec.intent_names == [*OWN_INTENTS, *SHARED_INTENTS]
    brew, schedule, descale = (spec.intent(name) for name in OWN_INTENTS)
    assert [(s.name, s.catalogue, s.required) for s in brew.slots] == [
        ("drink", "drink", True), ("size", "size", False), ("strength", "strength", False)]
    assert [(s.name, s.type.value, s.required) for s in schedule.slots] == [("time", "time", True),
                                                                           ("drink", "entity", False)]
    for slot in (brew.slot("drink"), schedule.slot("time")):
        assert set(slot.prompt) == set(LANGUAGES)
    assert descale.destructive and set(descale.replies["confirm"]) == set(LANGUAGES)
    assert {"help", "out_of_domain", "clarify", "confirm_destructive"} <= set(spec.replies)
    for intent in spec.intents:
        if intent.name != "out_of_domain":
            assert set(intent.examples) == set(LANGUAGES) and set(intent.replies["done"]) == set(LANGUAGES)
    drinks = spec.catalogues["drink"].entities
    assert 15 <= len(drinks) <= 25 and all(d.names.get("ko") for d in drinks)
    assert [e.id for e in spec.catalogues["size"].entities] == ["small", "regular", "large"]
    assert [e.id for e in spec.catalogues["strength"].entities] == ["mild", "normal", "strong"]


def test_every_synthesised_example_reads_back_to_its_own_label():
    """Every template renders, and the words copied for a slot resolve to the value drawn for it."""
    spec = load_spec(SPEC)
    examples = CorpusBuilder(spec).build(3000, seed=1, split="all")
    seen = {(e.intent, e.lang) for e in examples}
    assert {(intent, lang) for intent in OWN_INTENTS for lang in LANGUAGES} <= seen
    for example in examples:
        action = resolve_action(spec, example.target)
        assert (action.intent, action.slots) == (example.intent, example.values), example


def test_the_shipped_model_answers_with_this_spec():
    assert load_model_dir(MODEL)[3] == load_spec(SPEC), (
        "model/domain.json drifted from domain.yaml: after editing replies or prompts run "
        "refresh_dialogue_spec(MODEL, load_spec(SPEC)); anything else needs retraining")


# ------------------------------------------------------------------ the shipped model


def test_the_shipped_model_understands_hand_written_requests():
    items = read_labelled(CHECK, load_spec(SPEC).intent_names)
    assert {item.label for item in items} == set(load_spec(SPEC).intent_names)
    report = evaluate(Parser.load(MODEL), items)
    assert report.intent_correct / report.total >= 0.9, report.errors


def test_the_scripted_conversation_drives_the_machine(tmp_path, capsys):
    assert machine_module().main(["--state", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    replies = [line.removeprefix("machine < ") for line in out.splitlines() if line.startswith("machine < ")]
    done = out.split("what the machine did:\n")[1].split()
    assert replies[1].endswith("(waiting for an answer)") and replies[4].endswith("(waiting for an answer)")
    assert replies[5].startswith("Descaling started") and "descaling" in replies[6]
    assert "brew latte size=large strength=strong" in out and "brew flat_white" in out
    assert "schedule cappuccino at 07:00" in out and "schedule latte at 06:30" in out
    assert "brew americano size=large strength=strong" in out and "brew cappuccino" in out
    assert done.count("descale") == 1, "descaling runs only after yes, and not after 아니요"
    assert "espresso" not in done, "nothing brews while the machine descales"


# ------------------------------------------------------------------ the whole path


@pytest.mark.slow
def test_spec_to_trained_model_to_dialogue(tmp_path):
    """What a maker does: train from the spec with the small config, parse, and run the machine's dialogue."""
    pytest.importorskip("torch")
    out = tmp_path / "model"
    subprocess.run([sys.executable, "-m", "tinychat.cli", "train", "--spec", str(SPEC), "--config",
                    str(EXAMPLE / "train.yaml"), "--out", str(out)], check=True, capture_output=True)

    parser = Parser.load(out)
    parsed = {text: parser.parse(text) for text in (
        "make me a cappuccino", "a large latte please", "descale the machine", "brew a latte at 7 am",
        "카푸치노 한 잔 주세요", "석회 제거 해 줘")}
    assert [a.intent for a in parsed.values()] == ["brew", "brew", "descale", "schedule_brew", "brew", "descale"]
    assert parsed["make me a cappuccino"].slots == {"drink": "cappuccino"}
    assert parsed["brew a latte at 7 am"].slots == {"drink": "latte", "time": "07:00"}

    from tinychat.dialogue import Assistant

    example = machine_module()
    machine = example.CoffeeMachine()
    with Assistant.load(out, state_dir=tmp_path / "state") as assistant:
        example.connect(assistant, machine)
        assert assistant.handle("make me something").pending and machine.log == []
        assistant.handle("a cappuccino")
        assert machine.log == ["brew cappuccino size=regular strength=normal"]
        assert assistant.handle("descale the machine").pending and not machine.descaling
        assistant.handle("yes")
        assert machine.descaling and machine.log[-1] == "descale"
