"""Every action the decoder can write parses back and names only what the spec declares."""

import llguidance

from tinychat.domain.action import parse_target
from tinychat.domain.builtin import builtin_spec
from tinychat.model.tokenizer_training import train_tokenizer
from tinychat.runtime.grammar import ActionGrammar


def matcher_for(spec, utterance):
    tokenizer = train_tokenizer(["inventory_add item=egg quantity=[a dozen] " + utterance] * 20, vocab_size=300)
    ll = llguidance.LLTokenizer(tokenizer.json_text, eos_token=tokenizer.eos_id)
    return ll, llguidance.LLMatcher(ll, ActionGrammar(spec).for_utterance(utterance), log_level=0)


def accepts(spec, utterance, target):
    ll, matcher = matcher_for(spec, utterance)
    return all(matcher.consume_token(t) for t in ll.tokenize_str(target)) and matcher.is_accepting()


def test_grammar_accepts_valid_actions():
    spec = builtin_spec("fridge")
    assert accepts(spec, "i bought a dozen eggs", "inventory_add item=[eggs] quantity=[a dozen]")
    assert accepts(spec, "i bought a dozen eggs", "out_of_domain")
    assert accepts(spec, "add paper towels to my list", "list_add item=[paper towels]")


def test_grammar_refuses_what_the_spec_does_not_declare():
    spec = builtin_spec("fridge")
    utterance = "i bought a dozen eggs"
    assert not accepts(spec, utterance, "inventory_add item=[unicorn]")  # not in the utterance
    assert not accepts(spec, utterance, "inventory_add quantity=[a million]")
    assert not accepts(spec, utterance, "timer_set duration=[a dozen]")  # another domain's intent
    assert not accepts(spec, utterance, "inventory_add item=egg")  # values are always copied spans
    assert not accepts(spec, utterance, "list_clear item=[eggs]")  # list_clear has no item
    assert accepts(spec, utterance, "inventory_add quantity=[a dozen] item=[eggs]")  # in the order said
    assert not accepts(spec, utterance, "inventory_add item=[eggs] item=[eggs]")  # each slot once


def test_grammar_targets_parse_back():
    spec = builtin_spec("wearable")
    target = "alarm_set time=[half past six pm] date=[tomorrow]"
    assert accepts(spec, "wake me tomorrow at half past six pm", target)
    assert parse_target(target)[0] == "alarm_set"
