#!/usr/bin/env python3
"""Writes the load data of the example-plugin-load-factor golden tests (python3, standard
library only).

Every day of a month has the same two-level profile: `high` kW from `start` to `end` o'clock
and `low` kW otherwise, so the month's peak is `high` and its load factor
LF = kWh / (peak × days × 24) = (hours × high + (24 − hours) × low) / (24 × high)
is a round figure; the test TOML files show the arithmetic. Run from anywhere:
`python3 make_data.py` rewrites the files next to this script byte for byte.

Files written (30-minute `timestamp,kw`, interval start labels, whole calendar months):

  load-2025-04-to-06.csv   April LF 0.40, May LF 0.62, June LF 0.90
  load-2025-07-to-09.csv   July LF 0.80, August LF 0.50, September LF 0.53
"""

from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

# month: (start hour, end hour, high kW, low kW, expected load factor)
PROFILES = {
    (2025, 4): (9, 17, 300, 30, 0.40),   # 8 h × 300 + 16 h × 30 = 2,880 kWh a day
    (2025, 5): (8, 20, 200, 48, 0.62),   # 12 h × 200 + 12 h × 48 = 2,976
    (2025, 6): (6, 22, 200, 140, 0.90),  # 16 h × 200 + 8 h × 140 = 4,320
    (2025, 7): (6, 22, 200, 80, 0.80),   # 16 h × 200 + 8 h × 80 = 3,840
    (2025, 8): (8, 20, 200, 0, 0.50),    # 12 h × 200 = 2,400
    (2025, 9): (8, 20, 200, 12, 0.53),   # 12 h × 200 + 12 h × 12 = 2,544
}


def write_load(name, first, end):
    lines = ["timestamp,kw"]
    at = datetime(first.year, first.month, first.day)
    stop = datetime(end.year, end.month, end.day)
    while at < stop:
        start, finish, high, low, _ = PROFILES[(at.year, at.month)]
        lines.append(f"{at:%Y-%m-%d %H:%M},{high if start <= at.hour < finish else low}")
        at += timedelta(minutes=30)
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines) - 1} rows")


for (year, month), (start, finish, high, low, lf) in PROFILES.items():
    hours = finish - start
    assert (hours * high + (24 - hours) * low) == round(lf * 24 * high), (year, month)

write_load("load-2025-04-to-06.csv", date(2025, 4, 1), date(2025, 7, 1))
write_load("load-2025-07-to-09.csv", date(2025, 7, 1), date(2025, 10, 1))
