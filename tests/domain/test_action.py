import pytest

from tinychat.domain.action import EntityRef, Span, TargetError, format_target, parse_target, resolve_action
from tinychat.domain.builtin import builtin_spec


def test_target_round_trip():
    slots = {"item": EntityRef("egg"), "quantity": Span("a dozen")}
    target = format_target("inventory_add", slots)
    assert target == "inventory_add item=egg quantity=[a dozen]"
    assert parse_target(target) == ("inventory_add", slots)


@pytest.mark.parametrize("bad", ["", "Inventory", "inventory_add item=", "inventory_add quantity=[12", "x y"])
def test_unreadable_targets_raise(bad):
    with pytest.raises(TargetError):
        parse_target(bad)


def test_resolve_normalises_and_checks_against_the_spec():
    spec = builtin_spec("fridge")
    action = resolve_action(spec, "inventory_add item=egg quantity=[a dozen] unit=carton")
    assert action.intent == "inventory_add"
    assert action.slots == {"item": "egg", "quantity": 12, "unit": "carton"}


def test_resolve_drops_values_that_are_not_of_the_slot_type():
    spec = builtin_spec("fridge")
    action = resolve_action(spec, "inventory_add item=unicorn quantity=[lots]")
    assert action.slots == {}


def test_open_catalogue_keeps_free_text_and_maps_known_names():
    spec = builtin_spec("fridge")
    assert resolve_action(spec, "list_add item=[paper towels]").slots == {"item": "paper towels"}
    assert resolve_action(spec, "list_add item=[계란]").slots == {"item": "egg"}


def test_unknown_intent_is_out_of_domain():
    assert resolve_action(builtin_spec("wearable"), "inventory_add item=egg").intent == "out_of_domain"
