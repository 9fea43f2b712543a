import pytest

from tinychat.model.tokenizer_training import train_tokenizer

pytest.importorskip("tokenizers")

TEXTS = ["add a dozen eggs to my list", "우유 두 병 넣었어", "inventory_add item=egg quantity=[a dozen]"] * 50


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer(TEXTS, vocab_size=400)


@pytest.mark.parametrize("text", [*TEXTS[:3], "ünïcødé 🍓 ÷ ∑ مرحبا", "", "12:30 1000", "\x01\x02 x"])
def test_round_trip_any_text(tokenizer, text):
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_digits_are_single_tokens(tokenizer):
    assert len(tokenizer.encode("1234")) == 4


def test_encoding_matches_the_library(tokenizer):
    from tokenizers import Tokenizer as HF

    hf = HF.from_str(tokenizer.json_text)
    for text in TEXTS[:3]:
        assert tokenizer.encode(text) == hf.encode(text, add_special_tokens=False).ids


def test_prompt_is_bounded(tokenizer):
    ids = tokenizer.prompt_ids("milk " * 500, max_tokens=40)
    assert len(ids) == 40 and ids[0] == tokenizer.bos_id and ids[-1] == tokenizer.sep_id
