"""Training batches: padded, labelled on the target, and scored there alone."""

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinychat.model.config import ModelConfig  # noqa: E402
from tinychat.model.llama import TinyLlama  # noqa: E402
from tinychat.model.train import _padded, similar_length_batches  # noqa: E402

PAD = 0


def examples(count: int, seed: int = 1) -> list[tuple[list[int], int]]:
    """Token ids 3–50 long (as utterances are), the target being the last third."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = min(50, 3 + int(rng.expovariate(1 / 13)))
        out.append(([rng.randrange(3, 400) for _ in range(length)], length - max(1, length // 3)))
    return out


def test_labels_mark_exactly_the_target_tokens():
    ids, labels = _padded([([5, 6, 7, 8], 2), ([9, 10], 1)], PAD)
    assert ids.tolist() == [[5, 6, 7, 8], [9, 10, PAD, PAD]]
    assert labels.tolist() == [[-100, -100, 7, 8], [-100, 10, -100, -100]]


def test_scoring_the_target_positions_alone_is_the_full_loss():
    from torch.nn import functional as F

    torch.manual_seed(0)
    config = ModelConfig(vocab_size=400, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64)
    model = TinyLlama(config)
    ids, labels = _padded(examples(8), PAD)
    logits = model(ids)
    full = F.cross_entropy(logits[:, :-1].reshape(-1, 400), labels[:, 1:].reshape(-1), ignore_index=-100)
    scored = labels[:, 1:] != -100
    target_only = F.cross_entropy(model.lm_head(model.hidden_states(ids)[:, :-1][scored]), labels[:, 1:][scored])
    assert np.isclose(full.item(), target_only.item(), rtol=1e-6)


def test_similar_length_batches_pad_less_and_still_draw_every_example():
    pool = examples(2000)
    draws = similar_length_batches(pool, 32, random.Random(0))
    batches = [next(draws) for _ in range(400)]
    assert all(len(batch) == 32 for batch in batches)
    padded = sum(32 * max(len(ids) for ids, _ in batch) for batch in batches)
    rng = random.Random(0)
    random_batches = [[pool[rng.randrange(len(pool))] for _ in range(32)] for _ in range(400)]
    padded_at_random = sum(32 * max(len(ids) for ids, _ in batch) for batch in random_batches)
    assert padded < 0.6 * padded_at_random
    seen = {id(example) for batch in batches for example in batch}
    assert len(seen) > 0.99 * len(pool)  # 12,800 draws from 2,000 miss almost none
    lengths = [len(batch[0][0]) for batch in batches[:16]]
    assert lengths != sorted(lengths)  # the batches of one draw come in random order, not short to long


def test_the_moving_average_weighs_recent_steps_most():
    from tinychat.model.train import MovingAverage

    average = MovingAverage(0.9)
    average.update({"w": torch.zeros(3)})  # the first step's weights start it
    for _ in range(10):
        average.update({"w": torch.ones(3)})
    assert torch.allclose(average.weights["w"], torch.full((3,), 1 - 0.9**10))


def test_training_saves_the_averaged_weights(tmp_path):
    from tinychat.domain.builtin import builtin_spec
    from tinychat.model.checkpoint import load_model_dir
    from tinychat.model.train import MICRO, train

    spec = builtin_spec("wearable")
    quiet = {"progress": lambda line: None}
    train(spec, tmp_path / "last", MICRO, **quiet)
    train(spec, tmp_path / "averaged", MICRO.model_copy(update={"ema_decay": 0.5}), **quiet)
    last, averaged = load_model_dir(tmp_path / "last")[1], load_model_dir(tmp_path / "averaged")[1]
    assert last.keys() == averaged.keys()
    assert any(not np.allclose(last[name], averaged[name]) for name in last)
