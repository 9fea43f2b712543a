from datetime import datetime

import pytest

from tinychat.dialogue import Assistant, ManualClock

#: a Monday afternoon, in a fixed zone so replies don't depend on where the tests run
START = datetime.fromisoformat("2026-11-23T14:00:00+09:00")


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def fridge(tmp_path, clock):
    with Assistant.load("fridge", tmp_path / "fridge", clock=clock) as assistant:
        yield assistant


@pytest.fixture
def watch(tmp_path, clock):
    with Assistant.load("wearable", tmp_path / "wearable", clock=clock) as assistant:
        yield assistant


@pytest.fixture
def converse():
    return _converse


def _converse(assistant, script):
    """Run (utterance, expected intent, words the reply must contain) steps; returns the turns."""
    turns = []
    for text, intent, words in script:
        turn = assistant.handle(text)
        assert turn.action.intent == intent, (text, turn)
        for word in [words] if isinstance(words, str) else words:
            assert word.lower() in turn.reply.lower(), (text, turn.reply)
        turns.append(turn)
    return turns
