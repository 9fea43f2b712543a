"""Nonsense negatives: in the language's script, and never a short word that means something."""

import random
import re

from tinychat.data.gibberish import gibberish
from tinychat.data.synth import CorpusBuilder
from tinychat.dialogue.carryover import NO, YES
from tinychat.domain.builtin import builtin_spec


def test_gibberish_is_in_its_languages_script():
    rng = random.Random(0)
    for _ in range(300):
        assert all(ch == " " or ch.isascii() for ch in gibberish("en", rng))
        assert all(ch == " " or "\u3131" <= ch <= "\u318e" or "\uac00" <= ch <= "\ud7a3" for ch in gibberish("ko", rng))


def test_gibberish_never_says_yes_or_no():
    rng = random.Random(1)
    words = {word for lang in ("en", "ko") for _ in range(3000) for word in gibberish(lang, rng).split()}
    assert not words & (YES | NO | {"ok", "okay", "ㅇㅋ", "ㅇㅇㅇ", "ㄴㄴㄴ"})


def test_the_corpus_has_some_gibberish_negatives():
    corpus = CorpusBuilder(builtin_spec("fridge")).build(4000, seed=0)
    # a key held down, not a typo ("neeed") nor a Korean chat "yes" (ㅇㅇㅇ)
    held = [e for e in corpus if re.search(r"(?:^| )([a-zㄱㄷㄹㅁㅂㅅㅈㅊㅋㅌㅍㅎ])\1{2,}(?: |$)", e.text)]
    assert held and all(e.intent == "out_of_domain" for e in held)
