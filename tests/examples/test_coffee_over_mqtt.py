"""The coffee machine example with its actions delivered over MQTT, against a real mosquitto."""

import importlib.util
from pathlib import Path

import pytest

from tinychat.bridges.mosquitto import MosquittoNotFound, find_mosquitto

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "coffee_machine" / "over_mqtt.py"


@pytest.mark.slow
def test_completed_actions_reach_the_machine_once_over_mqtt(capsys):
    try:
        find_mosquitto()
    except MosquittoNotFound as missing:
        pytest.skip(str(missing))
    spec = importlib.util.spec_from_file_location("coffee_over_mqtt", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.main([]) == 0
    did = capsys.readouterr().out.split("what the machine did (from MQTT):")[1].split()
    text = " ".join(did)
    assert "brew latte size=large strength=strong" in text
    assert "brew flat_white" in text  # after the follow-up question
    assert text.count("descale") == 1  # only once the user said yes
    assert "refused brew" in text  # nothing brews while descaling
