"""Scripted watch conversations, English and Korean, with timers and alarms firing on an injected clock."""

from tinychat.dialogue import Assistant


def test_timer_fires_on_the_clock(watch, clock, converse):
    converse(watch, [
        ("set a timer for 5 minutes", "timer_set", "five minutes"),
        ("how much time is left", "timer_query", "five minutes left"),
    ])
    clock.advance(120)
    converse(watch, [("how long is left on my timer", "timer_query", "three minutes left")])
    assert watch.poll_events() == []
    clock.advance(181)
    events = watch.poll_events()
    assert [e.kind for e in events] == ["timer"] and "five minutes" in events[0].text and not events[0].missed
    assert watch.poll_events() == []  # reported once
    converse(watch, [("how much time is left", "timer_query", "no timer")])


def test_events_ride_on_the_next_turn(watch, clock, converse):
    converse(watch, [("10초 타이머 맞춰 줘", "timer_set", "10초")])
    clock.advance(11)
    turn = watch.handle("지금 몇 시야")
    assert turn.action.intent == "time_query" and "오후 2시" in turn.reply
    assert [e.text for e in turn.events] == ["10초 타이머가 끝났어요!"]


def test_timer_cancel(watch, converse):
    converse(watch, [
        ("start a timer for 20 minutes", "timer_set", "20 minutes"),
        ("cancel the timer", "timer_cancel", "cancelled"),
        ("cancel the timer", "timer_cancel", "no timer"),
    ])


def test_with_several_timers_the_one_to_cancel_is_said(watch, converse):
    converse(watch, [
        ("set a timer for 10 minutes", "timer_set", "ten minutes"),
        ("set a timer for 5 minutes", "timer_set", "five minutes"),
        ("cancel the timer", "timer_cancel", "which one should i cancel"),  # none cancelled
        ("타이머 얼마나 남았어?", "timer_query", "5분, 10분"),  # set in English, listed in Korean
        ("Cancel the 10-minute timer.", "timer_cancel", "timer cancelled"),
        ("how much time is left", "timer_query", "five minutes left on your timer for five minutes"),
        ("set a timer for 3 minutes", "timer_set", "three minutes"),
        ("cancel all timers", "timer_cancel", "cancelled all 2 timers"),
    ])


def test_the_answer_to_which_timer_picks_it(watch, converse):
    converse(watch, [
        ("set a timer for 10 minutes", "timer_set", "ten minutes"),
        ("set a timer for 5 minutes", "timer_set", "five minutes"),
        ("cancel the timer", "timer_cancel", "which one"),
        ("the ten minute one", "timer_cancel", "timer cancelled"),
        ("what timers do i have", "timer_query", "five minutes left on your timer for five minutes"),
        ("set a timer for 3 minutes", "timer_set", "three minutes"),
        ("타이머 꺼 줘", "timer_cancel", "어떤 걸 끌까요"),
        ("set a timer for 1 minute", "timer_set", "one minute"),  # a new request, not the pick
        ("타이머 꺼 줘", "timer_cancel", "어떤 걸"),
        ("never mind", "cancel", "never mind"),
        ("타이머 꺼 줘", "timer_cancel", "어떤 걸"),
        ("3분짜리", "timer_cancel", "껐어요"),
        ("cancel the timer", "timer_cancel", "which one"),
        ("both", "timer_cancel", "cancelled all 2 timers"),
    ])


def test_reminders_said_time_first(watch, converse):
    converse(watch, [
        ("remind me at noon to eat lunch", "reminder_set", "eat lunch at noon"),  # the model copied "eat", "oon"
        ("remind me at 6 pm to call mom", "reminder_set", "call mom at 6 pm"),  # it copied "pm" as the task
        ("remind me at 9 am to take my pills", "reminder_set", "take your pills at 9 am"),  # "pills"
        ("remind me at 8 pm", "reminder_set", "what should i remind you about"),
        ("remind me at 7 pm to call dad", "reminder_set", "call dad at 7 pm"),  # said again: its new time counts
        ("remind me tonight at 8 to call grandma", "reminder_set", "call grandma at 8 pm"),  # not 8 am
    ])


def test_a_reminder_about_a_thing_is_said_back_as_one(watch, converse):
    converse(watch, [
        ("remind me about the meeting tomorrow at 9 am", "reminder_set",
         "i'll remind you about the meeting at 9 am tomorrow"),  # not "remind you to about the meeting"
        ("remind me at 6 pm about my dentist appointment", "reminder_set",
         "i'll remind you about your dentist appointment at 6 pm"),
        ("what are my reminders", "reminder_query",
         "your reminders: my dentist appointment at 6 pm and the meeting at 9 am tomorrow"),
        ("don't let me forget my keys", "reminder_set", "when should i remind you"),
        ("tomorrow at 8", "reminder_set", "i'll remind you about your keys at 8 am tomorrow"),  # not an alarm
    ])


def test_a_reminder_about_an_event_is_said_back_as_one(watch, converse):
    converse(watch, [
        ("remind me about dinner with sarah tomorrow", "reminder_set",
         "i'll remind you about dinner with sarah at 9 am tomorrow"),  # the date said last is when
        ("set a reminder for the conference call at 4 pm", "reminder_set",
         "i'll remind you about the conference call at 4 pm"),
        ("내일 치과 예약 있다고 알려 줘", "reminder_set", "'치과 예약' 알려 드릴게요"),
    ])


def test_a_reminder_said_with_a_day_part_is_due_in_it(watch, converse):
    """The clock says Monday 2 pm: "tonight" is 7 pm, and "today" with no time asks when, since 9 am has gone."""
    converse(watch, [
        ("remind me to call mom tonight", "reminder_set", "call mom at 7 pm"),
        ("remind me to water the plants today", "reminder_set", "when should i remind you"),
        ("at 6 pm", "reminder_set", "water the plants at 6 pm"),
        ("remind me to call dad this afternoon", "reminder_set", "call dad at 3 pm"),
    ])
    assert watch.poll_events() == []  # none was due in the past


def test_alarms_follow_up_and_confirmation(watch, converse):
    converse(watch, [
        ("set an alarm", "alarm_set", "what time"),
        ("6:30 am", "alarm_set", "6:30 am tomorrow"),
        ("wake me up at 7 tomorrow", "alarm_set", "7 am tomorrow"),
        ("what alarms do I have", "alarm_query", ["6:30 am", "7 am"]),
        ("cancel the 7 am alarm", "alarm_cancel", "cancelled"),
        ("cancel all my alarms", "alarm_cancel", "?"),
        ("no", "deny", "leave it"),
    ])
    assert len(watch.snapshot()["alarms"]) == 1
    converse(watch, [
        ("delete all alarms", "alarm_cancel", "?"),
        ("yes", "alarm_cancel", "cancelled"),
    ])
    assert watch.snapshot()["alarms"] == []


def test_a_bare_number_is_no_command_but_answers_a_question(watch, converse):
    converse(watch, [
        ("8", "out_of_domain", "sorry"),
        ("set an alarm", "alarm_set", "what time"),
        ("7", "alarm_set", "7 pm"),  # the next seven o'clock: it is 2 pm
    ])
    assert [a["label"] for a in watch.snapshot()["alarms"]] == ["7 pm"]


def test_the_same_alarm_twice_is_one_alarm(watch, converse):
    converse(watch, [
        ("set an alarm for 7 am", "alarm_set", "7 am"),
        ("set an alarm for 7 am", "alarm_set", "already"),
        ("오전 7시 알람 맞춰 줘", "alarm_set", "이미"),
    ])
    assert len(watch.snapshot()["alarms"]) == 1


def test_alarm_fires_and_repeats(watch, clock, converse):
    converse(watch, [("set an alarm for 7 am every day", "alarm_set", "every day")])
    clock.advance(17 * 3600 + 1)
    assert [e.kind for e in watch.poll_events()] == ["alarm"]
    assert len(watch.snapshot()["alarms"]) == 1  # tomorrow's


def test_a_reminder_that_repeats_needs_no_day(watch, clock, converse):
    converse(watch, [
        ("remind me to take my vitamins every morning", "reminder_set",
         "take your vitamins at 9 am tomorrow, and every day after that"),
        ("remind me to call grandma every sunday", "reminder_set", ["call grandma at 9 am on sunday", "every week"]),
        ("매주 금요일 저녁 6시에 장보기 알림 맞춰 줘", "reminder_set", "매주 '장보기'"),
        ("what are my reminders", "reminder_query", "take my vitamins at 9 am tomorrow (every day)"),
    ])
    clock.advance(19 * 3600 + 1)  # Tuesday 9 am
    assert [e.text for e in watch.poll_events()] == ["Reminder: take my vitamins."]
    assert len(watch.snapshot()["reminders"]) == 3  # Wednesday's vitamins, Sunday's call, Friday's shopping


def test_a_weekday_alarm_set_on_friday_first_rings_on_monday(watch, clock, converse):
    clock.advance(4 * 86400 + 6 * 3600)  # Friday 8 pm
    converse(watch, [
        ("wake me up at 6:30 every weekday", "alarm_set", "6:30 am on monday, and on weekdays after"),
        ("알람 뭐 있어", "alarm_query", "월요일 오전 6시 30분 (평일마다)"),
    ])


def test_korean_alarm_and_confirmation(watch, converse):
    converse(watch, [
        ("내일 아침 7시에 깨워 줘", "alarm_set", "내일 오전 7시"),
        ("알람 다 꺼 줘", "alarm_cancel", "끌까요"),
        ("응", "alarm_cancel", "껐어요"),
    ])


def test_reminders(watch, clock, converse):
    converse(watch, [
        ("remind me to call mom", "reminder_set", "when"),
        ("at 6 pm", "reminder_set", "call mom at 6 pm"),
        ("what are my reminders", "reminder_query", "call mom"),
        ("5시에 약 먹으라고 알려 줘", "reminder_set", "약"),
    ])
    clock.advance(3 * 3600 + 1)
    texts = [e.text for e in watch.poll_events()]
    assert len(texts) == 1 and "약" in texts[0]
    converse(watch, [("cancel the reminder to call mom", "reminder_cancel", "call mom"),
                     ("what are my reminders", "reminder_query", "no reminders")])


def test_a_time_said_as_a_delay(watch, clock, converse):
    """START is 14:00: "in 20 minutes" is 14:20, whether said with the request or as the answer to "when?"."""
    converse(watch, [
        ("remind me in 20 minutes to take the laundry out", "reminder_set", "take the laundry out at 2:20 pm"),
        ("remind me to check the oven", "reminder_set", "when should i remind you"),
        ("in an hour and a half", "reminder_set", "check the oven at 3:30 pm"),
        ("set an alarm in 2 hours", "alarm_set", "4 pm"),
        ("20분 뒤에 엄마한테 전화하라고 알려 줘", "reminder_set", "오후 2시 20분"),
        ("what are my reminders", "reminder_query", "your reminders: take the laundry out at 2:20 pm, "
                                                    "엄마한테 전화하기 at 2:20 pm and check the oven at 3:30 pm."),
    ])
    clock.advance(20 * 60)
    assert len(watch.poll_events()) == 2


def test_a_delay_said_after_the_task_is_no_part_of_it(watch, converse):
    converse(watch, [
        ("remind me to check the oven in 10 minutes", "reminder_set", "remind you to check the oven at 2:10 pm."),
        ("remind me to call mom an hour from now", "reminder_set", "remind you to call mom at 3 pm."),
    ])


def test_a_delay_too_long_for_a_clock_time_is_asked_about(watch, converse):
    converse(watch, [("remind me in 20 hours to water the plants", "reminder_set", "when should i remind you")])


def test_time_here_elsewhere_and_dates(watch, converse):
    converse(watch, [
        ("what time is it", "time_query", "2 pm"),
        ("what time is it in london", "time_query", "5 am in London"),
        ("what day is christmas", "time_query", "friday"),
        ("도쿄는 지금 몇 시야", "time_query", "오후 2시"),
    ])


def test_missed_events_are_reported_after_a_restart(tmp_path, clock):
    with Assistant.load("wearable", tmp_path, clock=clock) as watch:
        watch.handle("set a timer for 1 minute")
    clock.advance(600)
    with Assistant.load("wearable", tmp_path, clock=clock) as watch:
        events = watch.poll_events()
    assert len(events) == 1 and events[0].missed


def test_help_cancel_and_refusal(watch, converse):
    converse(watch, [
        ("what are you able to do", "help", "timers"),
        ("remind me to water the plants", "reminder_set", "when"),
        ("never mind", "cancel", "never mind"),
        ("play some music", "out_of_domain", "timers"),
        ("음악 틀어 줘", "out_of_domain", "타이머"),
    ])
    assert watch.snapshot()["reminders"] == []


def test_every_watch_intent_in_korean(watch, converse):
    converse(watch, [
        ("5분 타이머 맞춰 줘", "timer_set", "5분"),
        ("타이머 얼마나 남았어?", "timer_query", "남았어요"),
        ("타이머 꺼 줘", "timer_cancel", "껐어요"),
        ("오후 6시 알람 맞춰 줘", "alarm_set", "오후 6시"),
        ("알람 뭐 있어?", "alarm_query", "오후 6시"),
        ("5시에 약 먹으라고 알려 줘", "reminder_set", "약"),
        ("리마인더 뭐 있어?", "reminder_query", "약"),
        ("뭐 할 수 있어?", "help", "타이머"),
    ])


def test_two_requests_in_one_sentence(watch, converse):
    turn = converse(watch, [("set a timer for 5 minutes and an alarm at 7", "timer_set",
                             ["timer set for five minutes", "alarm set at 7"])])[0]
    assert [a.intent for a in turn.more_actions] == ["alarm_set"]
    assert len(watch.snapshot()["timers"]) == 1 and len(watch.snapshot()["alarms"]) == 1


def test_repeats_timers_and_today(watch, converse):
    converse(watch, [
        ("wake me up at 6:30 every weekday", "alarm_set", "on weekdays"),  # not "every week"
        ("set a timer for 90 seconds", "timer_set", "one minute and 30 seconds"),
        ("set another timer for 5 minutes", "timer_set", "five minutes"),
        ("how much time is left", "timer_query",  # a timer just set is not named twice
         "you have 2 timers: one minute and 30 seconds and five minutes left."),
        ("오늘 며칠이야?", "time_query", "11월 23일"),  # today's date, not only its weekday
    ])
