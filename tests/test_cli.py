import json
import subprocess
import sys

import pytest

from tinychat.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_prints_one_json_object(capsys):
    code, out, _ = run(capsys, "parse", "--domain", "fridge", "I bought 12 eggs")
    assert code == 0
    row = json.loads(out)
    assert set(row) == {"text", "intent", "slots", "confidence"}
    assert row["intent"] == "inventory_add"


def test_parse_jsonl(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "set a timer for 5 minutes"}\n\n{"text": "what time is it"}\n', encoding="utf-8")
    code, out, _ = run(capsys, "parse", "--domain", "wearable", "--jsonl", str(path))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["intent"] for r in rows] == ["timer_set", "time_query"]


def test_parse_jsonl_names_the_bad_line(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    code, _, err = run(capsys, "parse", "--domain", "wearable", "--jsonl", str(path))
    assert code == 2 and "in.jsonl:2" in err


def test_eval_reports_accuracy_and_confusions(capsys, tmp_path):
    path = tmp_path / "labelled.jsonl"
    rows = [{"text": "i bought two apples", "intent": "inventory_add", "slots": {"item": "apple", "quantity": 2}},
            {"text": "play some jazz", "label": "ood"},
            {"text": "what's on my shopping list", "label": "list_query"}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "eval", "--domain", "fridge", "--jsonl", str(path), "--json")
    report = json.loads(out)[str(path)]
    assert code == 0 and report["total"] == 3
    assert set(report) >= {"intent_accuracy", "per_intent", "confusions", "slots_exact", "out_of_domain_rejected"}


def test_eval_unseen_leaves_out_what_the_templates_say(capsys, tmp_path, monkeypatch):
    from tinychat.data.synth import CorpusBuilder
    from tinychat.domain.builtin import builtin_spec, other_builtin_specs

    monkeypatch.setattr("tinychat.cli.UNSEEN_SAMPLE", 3000)
    builder = CorpusBuilder(builtin_spec("fridge"), other_builtin_specs("fridge"))
    said = next(e for e in builder.build(100, 0, "all") if e.intent == "list_query")
    path = tmp_path / "labelled.jsonl"
    rows = [{"text": said.text, "label": "list_query"}, {"text": "zebra piano quantum", "label": "ood"}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "eval", "--domain", "fridge", "--jsonl", str(path), "--unseen")
    assert code == 0 and "left out 1 of 2 lines" in out and "utterances: 1 " in out


def test_unknown_domain_is_a_clear_error(capsys):
    code, _, err = run(capsys, "parse", "--domain", "toaster", "hi")
    assert code == 2 and "toaster" in err


@pytest.mark.slow
def test_train_micro_model_then_parse(tmp_path):
    """The training path end to end, on a toy model (CI does not retrain the shipped ones)."""
    pytest.importorskip("torch")
    out = tmp_path / "micro"
    subprocess.run([sys.executable, "-m", "tinychat.cli", "train", "--domain", "wearable", "--out", str(out),
                    "--micro"], check=True, capture_output=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "domain.json", "training.json"):
        assert (out / name).is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and config["num_hidden_layers"] == 1
    done = subprocess.run([sys.executable, "-m", "tinychat.cli", "parse", "--model", str(out), "set a timer"],
                          check=True, capture_output=True, text=True)
    intents = {i["name"] for i in json.loads((out / "domain.json").read_text())["intents"]}
    assert json.loads(done.stdout)["intent"] in intents
