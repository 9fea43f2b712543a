"""How often an alarm or reminder repeats, read from what was said."""

import pytest

from tinychat.domain.repeat import repeat_in, repeat_said_last


@pytest.mark.parametrize(("said", "repeat"), [
    ("set an alarm for 7 am every day", "daily"),
    ("remind me to take my pills every night", "daily"),
    ("check the mail daily", "daily"),
    ("wake me up at 6:30 every weekday", "weekdays"),  # not every week
    ("remind me on weekdays at 8", "weekdays"),
    ("alarm at 9 on weekends", "weekends"),
    ("remind me to call grandma every sunday", "weekly"),
    ("water the plants on mondays", "weekly"),
    ("a weekly reminder to pay rent", "weekly"),
    ("매일 아침 7시에 깨워 줘", "daily"),
    ("평일마다 6시 반에 깨워 줘", "weekdays"),
    ("주말마다 9시에 알람", "weekends"),
    ("매주 월요일에 알려 줘", "weekly"),
    ("화요일마다 알려 줘", "weekly"),
    ("remind me tomorrow at 9", None),
    ("what day is it", None),
])
def test_the_repeat_said(said, repeat):
    assert repeat_in(said) == repeat


@pytest.mark.parametrize(("value", "cut"), [
    ("take my vitamins every morning", ("take my vitamins", None)),
    ("call grandma every sunday", ("call grandma", "sunday")),
    ("water the plants on mondays", ("water the plants", "monday")),
    ("send the report weekly", ("send the report", None)),
    ("쓰레기 버리기 매일", ("쓰레기 버리기", None)),
    ("분리수거 하기 화요일마다", ("분리수거 하기", "tuesday")),
    ("call grandma every", ("call grandma", None)),  # "sunday" copied as the date
    ("send the weekly update", None),  # said inside, not last
    ("every day", None),  # nothing would be left
])
def test_a_repeat_said_last_is_cut_off(value, cut):
    assert repeat_said_last(value) == cut
