import random

import pytest

from tinychat.data.template import Placeholder, TemplateError, attach_particle, expand, parse_template, placeholders


def test_alternatives_and_optional_groups_cover_all_phrasings():
    node = parse_template("(please |)add {item} to (my|the (shopping|grocery)) list")
    seen = {"".join(s if isinstance(s, str) else "<item>" for s in expand(node, random.Random(i)))
            for i in range(300)}
    assert seen == {f"{p}add <item> to {w} list" for p in ("please ", "")
                    for w in ("my", "the shopping", "the grocery")}


def test_placeholders_carry_particles():
    node = parse_template("{item|을} {quantity} 넣었어")
    assert expand(node, random.Random(0))[0] == Placeholder("item", "을")
    assert placeholders(node) == {"item", "quantity"}


def test_a_placeholder_may_name_the_phrase_list_it_draws_from():
    node = parse_template("{date} {task:event|이} 있다고 알려 줘")
    assert expand(node, random.Random(0))[2] == Placeholder("task", "이", "event")
    assert placeholders(node) == {"date", "task"}


@pytest.mark.parametrize("bad", ["(a|b", "a)b", "{item"])
def test_broken_templates_raise(bad):
    with pytest.raises(TemplateError):
        parse_template(bad)


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [("우유", "을", "우유를"), ("계란", "를", "계란을"), ("사과", "이", "사과가"), ("빵", "가", "빵이"),
     ("물", "으로", "물로"), ("김밥", "로", "김밥으로"), ("2병", "은", "2병은"), ("3", "을", "3을"),
     ("2", "을", "2를"), ("약 먹기", "으라고", "약 먹으라고"), ("우유 사기", "으라고", "우유 사라고")],
)
def test_korean_particles_fit_the_last_sound(word, particle, expected):
    assert attach_particle(word, particle) == expected
