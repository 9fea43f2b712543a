"""Training batches: packed, labelled on the target, scored there alone, and as if each example were alone."""

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinychat.model.config import ModelConfig  # noqa: E402
from tinychat.model.llama import TinyLlama  # noqa: E402
from tinychat.model.train import _packed  # noqa: E402

PAD = 0


def examples(count: int, seed: int = 1) -> list[tuple[list[int], int]]:
    """Token ids 3–50 long (as utterances are), the target being the last third."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = min(50, 3 + int(rng.expovariate(1 / 13)))
        out.append(([rng.randrange(3, 400) for _ in range(length)], length - max(1, length // 3)))
    return out


def tiny_model() -> TinyLlama:
    torch.manual_seed(0)
    return TinyLlama(ModelConfig(vocab_size=400, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                 num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64))


def test_labels_mark_exactly_the_target_tokens():
    ids, labels, segments = _packed([([5, 6, 7, 8], 2), ([9, 10], 1), ([11, 12, 13], 1)], PAD)
    assert ids.tolist() == [[5, 6, 7, 8], [11, 12, 13, PAD], [9, 10, PAD, PAD]]
    assert labels.tolist() == [[-100, -100, 7, 8], [-100, 12, 13, -100], [-100, 10, -100, -100]]
    assert segments.tolist() == [[0, 0, 0, 0], [2, 2, 2, -1], [1, 1, -1, -1]]


def test_examples_packed_in_a_row_are_read_as_if_each_were_alone():
    model = tiny_model()
    batch = examples(12)
    ids, _, segments = _packed(batch, PAD)
    assert len(ids) < len(batch)  # several examples share a row
    with torch.no_grad():
        packed = model.hidden_states(ids, segments)
        for number, (seq, _) in enumerate(batch):
            alone = model.hidden_states(torch.tensor([seq]))[0]
            row, columns = (segments == number).nonzero(as_tuple=True)
            assert torch.allclose(packed[row, columns], alone, atol=1e-5)


def test_scoring_the_target_positions_alone_is_the_full_loss():
    from torch.nn import functional as F

    model = tiny_model()
    ids, labels, segments = _packed(examples(8), PAD)
    logits = model(ids, segments)
    full = F.cross_entropy(logits[:, :-1].reshape(-1, 400), labels[:, 1:].reshape(-1), ignore_index=-100)
    scored = labels[:, 1:] != -100
    hidden = model.hidden_states(ids, segments)[:, :-1][scored]
    target_only = F.cross_entropy(model.lm_head(hidden), labels[:, 1:][scored])
    assert np.isclose(full.item(), target_only.item(), rtol=1e-6)


def test_packing_leaves_little_padding():
    rng = random.Random(0)
    pool = examples(2000)
    for _ in range(20):
        batch = [pool[rng.randrange(len(pool))] for _ in range(96)]
        ids, _, segments = _packed(batch, PAD)
        padded_one_a_row = 96 * ids.shape[1]
        assert ids.numel() < 0.5 * padded_one_a_row
        assert sorted(set(segments.flatten().tolist()) - {-1}) == list(range(96))


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
