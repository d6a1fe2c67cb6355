"""The one cron reader (`compiler/cron.py`): robfig's dialect as Argo accepts it, evaluated by
croniter plus Argo's layer (descriptors, `@every`, zones), shared by the checker (PL528,
PL529) and the scheduler (`runtime/cronjobs.py`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from plait.compiler import cron
from plait.compiler.checks import pl528_cron_schedule, pl529_cron_timezone
from plait.runtime import cronjobs

UTC = dt.timezone.utc


def test_checker_and_scheduler_share_the_reader():
    assert pl528_cron_schedule.parse_schedule is cron.parse_schedule
    assert pl529_cron_timezone.parse_schedule is cron.parse_schedule
    assert cronjobs.read_schedule is cron.read_schedule


def stamps(text: str, start: str, count: int, zone: str = "UTC") -> list[str]:
    tz = ZoneInfo(zone)
    t = dt.datetime.fromisoformat(start).replace(tzinfo=tz).timestamp()
    schedule = cron.read_schedule(text, zone)
    out = []
    for _ in range(count):
        t = schedule.next_after(t)
        out.append(dt.datetime.fromtimestamp(t, tz).strftime("%a %d %H:%M"))
    return out


@pytest.mark.parametrize("text,expected", [
    ("@hourly", ["Mon 04 10:00", "Mon 04 11:00"]),
    ("@daily", ["Tue 05 00:00", "Wed 06 00:00"]),
    ("@weekly", ["Sun 10 00:00", "Sun 17 00:00"]),
    ("@monthly", ["Mon 01 00:00", "Wed 01 00:00"]),
    ("0 12 ? * MON-FRI", ["Mon 04 12:00", "Tue 05 12:00"]),
    ("*/30 9-10 * * *", ["Mon 04 09:30", "Mon 04 10:00"]),
    # day of month and day of week both restricted: either matches (robfig, like vixie cron)
    ("0 0 6 * SUN", ["Wed 06 00:00", "Sun 10 00:00"]),
])
def test_next_instants(text, expected):
    assert stamps(text, "2026-05-04T09:10:00", 2) == expected


def test_every_is_a_constant_delay_in_whole_seconds():
    schedule = cron.read_schedule("@every 1m30s")
    assert schedule.every == 90
    assert schedule.next_after(1000.7) == 1090.0
    assert schedule.fire_times(1000, 1300, anchor=1000) == [1090.0, 1180.0, 1270.0]


def test_zone_of_the_schedule_wins_over_the_crons():
    schedule = cron.read_schedule("CRON_TZ=Europe/Paris 0 9 * * *", "Asia/Tokyo")
    assert schedule.zone == "Europe/Paris"
    assert cron.read_schedule("0 9 * * *", "Asia/Tokyo").zone == "Asia/Tokyo"


def test_daylight_saving_follows_robfig():
    ny = "America/New_York"
    assert stamps("30 2 * * *", "2026-03-07T12:00:00", 2, ny) == ["Mon 09 02:30", "Tue 10 02:30"]
    assert stamps("30 1 * * *", "2026-10-31T12:00:00", 3, ny) == ["Sun 01 01:30", "Sun 01 01:30",
                                                                   "Mon 02 01:30"]


@pytest.mark.parametrize("text,reason", [
    ("0 0 * * 7", "day of week value 7 is out of range 0-6"),
    ("0 0 L * *", "invalid day of month value 'L'"),
    ("0 0 * * 1#2", "invalid day of week value '1#2'"),
    ("0 0 0 * * *", "expected 5 fields"),
    ("@every 1d", "@every needs a Go duration"),
    ("@fortnightly", "unknown descriptor"),
])
def test_what_argo_rejects_is_rejected(text, reason):
    with pytest.raises(ValueError, match=reason):
        cron.read_schedule(text)


def test_schedules_of_reads_both_fields():
    assert cron.schedules_of({"schedules": ["@hourly"], "schedule": "0 1 * * *"}) == \
        ["@hourly", "0 1 * * *"]
    assert cron.schedules_of({"schedules": "@hourly"}) == []


def test_a_schedule_that_never_fires_is_valid_and_never_due():
    schedule = cron.read_schedule("0 0 30 2 *")         # robfig accepts it; it never fires
    assert schedule.next_after(0) == float("inf")
    assert schedule.fire_times(0, 10 ** 10) == []
