"""Nonsense gets a reply and changes no state; the assistant opens no network connection."""

import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinychat.dialogue import Assistant

NONSENSE = st.one_of(
    st.just(""),
    st.text(alphabet=" \t\n\r", max_size=20),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs"]), max_size=50),
    st.text(alphabet=st.characters(categories=["Nd", "P", "S"]), max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0x0400, max_codepoint=0x04FF), min_size=1, max_size=40),  # Cyrillic
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=40),  # CJK
    st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), min_size=1, max_size=40),  # Arabic
    st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(5_000, 10_000)),
)


@pytest.fixture(scope="module", params=["fridge", "wearable"])
def stocked(request, tmp_path_factory):
    with Assistant.load(request.param, tmp_path_factory.mktemp(request.param)) as assistant:
        assistant.handle("I bought 6 eggs" if request.param == "fridge" else "set a timer for an hour")
        yield assistant


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=NONSENSE)
def test_nonsense_gets_a_reply_and_leaves_state_alone(stocked, text):
    before = stocked.snapshot()
    turn = stocked.handle(text)
    assert turn.reply.strip() and turn.lang in ("en", "ko")
    after = stocked.snapshot()
    for timer in before.get("timers", []) + after.get("timers", []):
        timer.pop("remaining_s")
    assert after == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_gets_a_reply(stocked, text):
    assert stocked.handle(text).reply.strip()


def test_no_network_connection_is_ever_opened(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the assistant tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for domain, texts in {"fridge": ["I bought milk", "what's on the shopping list", "우유 있어?"],
                          "wearable": ["set a timer for 2 minutes", "what time is it in tokyo"]}.items():
        with Assistant.load(domain, tmp_path / domain) as assistant:
            for text in texts:
                assert assistant.handle(text).reply
            assistant.poll_events()


def test_nonsense_is_not_taken_as_the_answer_to_a_pending_question(tmp_path):
    with Assistant.load("fridge", tmp_path) as fridge:
        assert fridge.handle("add to the shopping list").pending
        fridge.handle("Ø" * 5000)
        fridge.handle("ℵ∞≈" * 30)
        assert fridge.snapshot()["lists"] == {}
