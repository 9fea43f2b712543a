"""Delays said from now: how long, and the words they were said in."""

import pytest

from tinychat.domain.delay import delays_in


@pytest.mark.parametrize(("said", "seconds", "words"), [
    ("remind me in 20 minutes to check the oven", 1200, "in 20 minutes"),
    ("check the oven in an hour and a half", 5400, "in an hour and a half"),
    ("call mom an hour from now", 3600, "an hour from now"),
    ("20분 뒤에 알려 줘", 1200, "20분 뒤에"),
    ("빨래 꺼내기 10분뒤에", 600, "10분뒤에"),
    ("한시간 반 후에 알려 줘", 5400, "한시간 반 후에"),
    ("10분 있다가", 600, "10분 있다가"),
])
def test_a_delay_is_read_with_the_words_it_was_said_in(said, seconds, words):
    delay = next(delays_in(said))
    assert (delay.seconds, said[delay.start:delay.end]) == (seconds, words)


@pytest.mark.parametrize("said", ["오후 3시에 알려 줘", "put the kettle in the oven", "in the morning",
                                  "check in with sam", "an hour"])
def test_no_length_no_delay(said):
    assert list(delays_in(said)) == []


def test_every_delay_is_read_in_order():
    said = "in 5 minutes and again an hour from now"
    assert [delay.seconds for delay in delays_in(said)] == [300, 3600]
