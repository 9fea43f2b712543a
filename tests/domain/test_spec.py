import json

import pytest

from tinychat.domain.builtin import BUILTIN_DOMAINS, builtin_spec
from tinychat.domain.spec import SpecError, load_spec

MINIMAL = """
name: toaster
description: a toaster
intents:
  - name: toast
    description: make toast
    slots:
      - {name: level, type: quantity, required: true}
    examples:
      en: ["toast (it|some bread) at level {level}"]
  - {name: confirm, description: "say yes"}
  - {name: deny, description: "say no"}
  - {name: cancel, description: stop}
  - {name: help, description: help}
  - {name: out_of_domain, description: anything else}
"""


def write(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_spec_loads(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL))
    assert spec.intent("toast").slot("level").required


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("type: quantity", "type: volume"), "intents.0.slots.0.type"),
        (("name: toast\n", "name: Toast!\n"), "intents.0.name"),
        (("{level}", "{colour}"), "uses {colour}"),
        (("  - {name: help, description: help}\n", ""), "missing: ['help']"),
        (("type: quantity", "type: entity, catalogue: breads"), "catalogue 'breads'"),
        (("required: true}", "required: true, lead_in: {en: [at]}}"), "only a free-text slot"),
        (("required: true}", "required: true, closed_by: {ko: [라고]}}"), "only a free-text slot"),
        (("{level}", "{level:levels}"), "draws from phrases 'levels'"),
    ],
)
def test_invalid_spec_names_the_field(tmp_path, change, expected):
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_bad_yaml_names_the_line(tmp_path):
    path = write(tmp_path, MINIMAL.replace("description: make toast", "description: [unclosed"))
    with pytest.raises(SpecError, match=r"line \d+"):
        load_spec(path)


def test_json_spec_and_file_references(tmp_path):
    import yaml

    data = yaml.safe_load(MINIMAL)
    data["near_misses"] = {"file": "near.yaml"}
    write(tmp_path, "en: ['bake a cake']", "near.yaml")
    spec = load_spec(write(tmp_path, json.dumps(data), "spec.json"))
    assert spec.near_misses == {"en": ["bake a cake"]}


def test_missing_referenced_file_is_named(tmp_path):
    path = write(tmp_path, MINIMAL + "near_misses: {file: nowhere.yaml}\n")
    with pytest.raises(SpecError, match="nowhere.yaml"):
        load_spec(path)


@pytest.mark.parametrize("name", BUILTIN_DOMAINS)
def test_builtin_domains_are_valid_and_bilingual(name):
    spec = builtin_spec(name)
    for intent in spec.intents:
        if intent.name != "out_of_domain":
            assert intent.examples.get("en") and intent.examples.get("ko"), intent.name
    assert spec.near_misses["en"] and spec.near_misses["ko"]


def test_fridge_catalogue_is_rich_and_unambiguous():
    food = builtin_spec("fridge").catalogues["food"]
    assert len(food.entities) >= 150
    assert food.id_for_name("계란") == food.id_for_name("달걀") == food.id_for_name("eggs") == "egg"
    for entity in food.entities:
        assert entity.names.get("ko"), entity.id
        assert entity.shelf_life_days is not None, entity.id
