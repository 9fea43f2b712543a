import pytest

from tinychat.domain.builtin import builtin_spec
from tinychat.domain.quoted_command import quote, unquote


@pytest.mark.parametrize(("task", "said"), [
    ("약 먹기", "약 먹으라고"),
    ("우유 사기", "우유 사라고"),
    ("엄마한테 전화하기", "엄마한테 전화하라고"),
    ("빨래 널기", "빨래 널라고"),
    ("발표 자료 만들기", "발표 자료 만들라고"),
    ("창문 닫기", "창문 닫으라고"),
    ("우산 챙기기", "우산 챙기라고"),
    ("세탁소에 옷 맡기기", "세탁소에 옷 맡기라고"),
])
def test_quote_conjugates_by_the_last_sound(task: str, said: str) -> None:
    assert quote(task) == said
    assert unquote(said) == task


def test_every_shipped_korean_task_comes_back_from_its_command() -> None:
    tasks = builtin_spec("wearable").phrases["task"]["ko"]
    assert tasks and [unquote(quote(t)) for t in tasks] == tasks


@pytest.mark.parametrize("text", ["call mom", "라고", "회의", "약 먹기", "엄마한테 전화했다고"])
def test_text_that_is_no_quoted_command_is_left_alone(text: str) -> None:
    assert unquote(text) == text


def test_a_task_said_in_its_own_form_keeps_it() -> None:
    assert unquote("약 먹기라고") == "약 먹기"
    assert unquote("머리 감기라고") == "머리 감기"
