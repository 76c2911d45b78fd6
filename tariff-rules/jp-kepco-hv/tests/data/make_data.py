#!/usr/bin/env python3
"""Writes the interval data of the jp-kepco-hv golden tests (python3, standard library only).

Each file is a constant base load with a few intervals set apart, so that each month's kWh,
peak and kWh per time-of-use period can be counted by hand (the test TOML files show the
counts). `python3 make_data.py` rewrites the files next to this script byte for byte.

  load-2024-04-to-07.csv  30-min `timestamp,kw`: 150 kW, one peak interval per month
  load-2024-08-to-10.csv  30-min `timestamp,kw`: 100 kW, afternoons of holidays and of
                          business days set apart (substitute holidays 2024-08-12 and
                          2024-09-23, Respect for the Aged Day 2024-09-16, Sports Day 2024-10-14)
"""

from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_load(name, first, end, column, base, spikes):
    """`spikes`: {"YYYY-MM-DD HH:MM": value} — intervals whose value differs from `base`."""
    lines = [f"timestamp,{column}"]
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


def block(day, first, count, value):
    """`count` half-hours from `first` (HH:MM) on `day` (YYYY-MM-DD) at `value`."""
    start = datetime.strptime(f"{day} {first}", "%Y-%m-%d %H:%M")
    return {
        (start + timedelta(minutes=30 * i)).strftime("%Y-%m-%d %H:%M"): value
        for i in range(count)
    }


# AS, April–July 2024 (the published FY2024 market-price adjustment test).
write_load(
    "load-2024-04-to-07.csv", date(2024, 4, 1), date(2024, 8, 1), "kw", "150",
    {
        "2024-04-10 10:00": "280",
        "2024-05-15 11:00": "265.5",
        "2024-06-18 14:30": "300.2",
        "2024-07-23 14:00": "330",
    },
)

# AS-TOU, August–October 2024.
spikes = {}
spikes |= block("2024-08-12", "13:00", 6, "250")  # Monday, substitute holiday (Mountain Day 08-11 is a Sunday): night
spikes |= block("2024-08-13", "13:00", 6, "300")  # Tuesday, summer business day: heavy load
spikes |= block("2024-09-16", "13:00", 6, "250")  # Monday, Respect for the Aged Day: night
spikes |= block("2024-09-17", "14:00", 1, "280")  # Tuesday: heavy load
spikes |= block("2024-09-23", "14:00", 1, "260")  # Monday, substitute holiday (equinox 09-22 is a Sunday): night
spikes |= block("2024-10-14", "10:00", 1, "260")  # Monday, Sports Day: night
spikes |= block("2024-10-15", "14:00", 1, "240")  # Tuesday, other season: daytime
write_load("load-2024-08-to-10.csv", date(2024, 8, 1), date(2024, 11, 1), "kw", "100", spikes)
