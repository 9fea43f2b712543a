import json

import pytest

from tinychat.domain.action import OUT_OF_DOMAIN
from tinychat.domain.builtin import builtin_spec
from tinychat.runtime.evaluate import read_labelled


def write(tmp_path, rows):
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def test_slurp_labels_map_to_domain_intents(tmp_path):
    path = write(tmp_path, [{"text": "a", "intent": "lists_createoradd", "label": "list_add", "slots": {"x": "y"}},
                            {"text": "b", "label": "cooking_question"},
                            {"text": "c", "label": "time_date_query"}])
    fridge = read_labelled(path, builtin_spec("fridge").intent_names)
    assert fridge[0].accepted == {"list_add", "inventory_add"}
    assert fridge[0].slots is None  # SLURP's raw spans are not our normalised slots
    assert fridge[1].accepted == {OUT_OF_DOMAIN}
    assert fridge[2].accepted == {OUT_OF_DOMAIN}  # the fridge does not tell the time
    wearable = read_labelled(path, builtin_spec("wearable").intent_names)
    assert wearable[0].accepted == {OUT_OF_DOMAIN}
    assert wearable[2].accepted == {"time_query"}


def test_our_labels_keep_slots(tmp_path):
    path = write(tmp_path, [{"text": "a", "intent": "timer_set", "slots": {"duration_s": 30}}])
    [item] = read_labelled(path, builtin_spec("wearable").intent_names)
    assert item.accepted == {"timer_set"} and item.slots == {"duration_s": 30}


def test_bad_line_is_named(tmp_path):
    path = write(tmp_path, [{"text": "a", "intent": "timer_set"}])
    path.write_text(path.read_text() + "\n{\"no_text\": 1}\n")
    with pytest.raises(ValueError, match=r"x.jsonl:2"):
        read_labelled(path, ["timer_set"])
