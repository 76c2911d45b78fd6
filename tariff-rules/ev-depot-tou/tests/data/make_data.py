#!/usr/bin/env python3
"""Writes the interval data of the ev-depot-tou golden tests (python3, standard library only).

Each file is a constant base load with a few intervals set apart — most of them on Japanese
holidays, whose daytime hours are night in this plan — so each month's kWh per period and
peak can be counted by hand (the test TOML files show the counts). `python3 make_data.py`
rewrites the files next to this script byte for byte.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_load(name, first, end, base, spikes):
    """30-minute `timestamp,kw`; `spikes`: {"YYYY-MM-DD HH:MM": kW} set apart from `base`."""
    lines = ["timestamp,kw"]
    used = set()
    at = datetime(first.year, first.month, first.day)
    stop = datetime(end.year, end.month, end.day)
    while at < stop:
        label = at.strftime("%Y-%m-%d %H:%M")
        if label in spikes:
            used.add(label)
        lines.append(f"{label},{spikes.get(label, base)}")
        at += timedelta(minutes=30)
    assert used == set(spikes), f"{name}: spikes outside the data: {set(spikes) - used}"
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines) - 1} rows")


# Golden Week 2025, new supply: Showa Day Tue 04-29, Children's Day Mon 05-05 and the
# substitute holiday Tue 05-06 (Greenery Day 05-04 is a Sunday).
write_load("load-2025-04-to-05.csv", date(2025, 4, 1), date(2025, 6, 1), "100", {
    "2025-04-29 10:00": "200", "2025-04-29 10:30": "200",   # holiday: night
    "2025-04-29 11:00": "200", "2025-04-29 11:30": "200",
    "2025-04-30 10:00": "180",                              # Wednesday: day
    "2025-05-06 09:00": "250",                              # substitute holiday: night
    "2025-05-07 09:00": "220",                              # Wednesday: day
})

# September 2025 (summer): Respect for the Aged Day Mon 09-15, Autumnal Equinox Day Tue 09-23.
write_load("load-2025-09.csv", date(2025, 9, 1), date(2025, 10, 1), "100", {
    "2025-09-15 14:00": "300", "2025-09-15 14:30": "300",   # holiday afternoon: night
    "2025-09-16 14:00": "320",                              # Tuesday afternoon: peak
    "2025-09-23 14:00": "310",                              # holiday afternoon: night
})

# 2026 check dates (FACTS.md): the substitute holiday Wed 2026-05-06 (Constitution Memorial
# Day 05-03 is a Sunday and 05-04, 05-05 are holidays, so it moves to the first day that is
# not one) and the citizens' holiday Tue 2026-09-22 (between Respect for the Aged Day Mon
# 09-21 and Autumnal Equinox Day Wed 09-23).
write_load("load-2026-05.csv", date(2026, 5, 1), date(2026, 6, 1), "100", {
    "2026-05-04 14:00": "200",   # Monday, Greenery Day: night
    "2026-05-06 10:00": "260",   # Wednesday, substitute holiday: night
    "2026-05-07 10:00": "230",   # Thursday: day
})
write_load("load-2026-09.csv", date(2026, 9, 1), date(2026, 10, 1), "100", {
    "2026-09-21 15:00": "250",   # Monday, Respect for the Aged Day: night
    "2026-09-22 14:00": "290",   # Tuesday, citizens' holiday: night (peak on a business day)
    "2026-09-24 14:00": "270",   # Thursday: peak
})

# Demand-charge phase-in boundaries, one file per step (the month before and the month at it).
write_load("load-2027-03-to-04.csv", date(2027, 3, 1), date(2027, 5, 1), "120", {
    "2027-03-22 10:00": "290",   # Monday, substitute holiday (Vernal Equinox 03-21 is a Sunday): night
    "2027-04-29 10:00": "300",   # Thursday, Showa Day: night
})
write_load("load-2027-09-to-10.csv", date(2027, 9, 1), date(2027, 11, 1), "80", {
    "2027-09-23 14:00": "270",   # Thursday, Autumnal Equinox Day: night
    "2027-10-11 10:00": "260",   # Monday, Sports Day: night
})
write_load("load-2028-03-to-04.csv", date(2028, 3, 1), date(2028, 5, 1), "90", {
    "2028-03-20 10:00": "250",   # Monday, Vernal Equinox Day: night
    "2028-04-28 10:00": "275",   # Friday, business day: day
})
write_load("load-2028-09-to-10.csv", date(2028, 9, 1), date(2028, 11, 1), "110", {
    "2028-09-22 14:00": "330",   # Friday, Autumnal Equinox Day: night
    "2028-10-09 10:00": "340",   # Monday, Sports Day: night
})
