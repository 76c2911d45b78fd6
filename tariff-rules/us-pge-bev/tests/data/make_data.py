#!/usr/bin/env python3
"""Writes the 15-minute interval data of the us-pge-bev golden tests (python3, standard
library only). Local clock labels (America/Los_Angeles) in months without a daylight-saving
change. Each file is a constant base load with a few intervals set apart, so each month's
kWh per period and 15-minute peak can be counted by hand (the test TOML files show the
counts). `python3 make_data.py` rewrites the files next to this script byte for byte.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_load(name, first, end, base, spikes):
    """15-minute `timestamp,kw`; `spikes`: {"YYYY-MM-DD HH:MM": kW} set apart from `base`."""
    lines = ["timestamp,kw"]
    used = set()
    at = datetime(first.year, first.month, first.day)
    stop = datetime(end.year, end.month, end.day)
    while at < stop:
        label = at.strftime("%Y-%m-%d %H:%M")
        if label in spikes:
            used.add(label)
        lines.append(f"{label},{spikes.get(label, base)}")
        at += timedelta(minutes=15)
    assert used == set(spikes), f"{name}: spikes outside the data: {set(spikes) - used}"
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines) - 1} rows")


# Summer 2024: weekend peaks (TOU applies every day).
write_load("load-2024-06-to-07.csv", date(2024, 6, 1), date(2024, 8, 1), "40", {
    "2024-06-15 17:00": "125",  # Saturday: summer peak; the June peak (125 kW = 2.5 blocks)
    "2024-06-22 10:00": "90",   # Saturday: super off-peak
    "2024-07-04 02:00": "80",   # Thursday (Independence Day, no holiday in this calendar): off-peak
    "2024-07-07 12:00": "100",  # Sunday: super off-peak
    "2024-07-14 18:00": "137",  # Sunday: summer peak; the July peak (2.74 blocks)
})

# Winter: January 2025, with period edges (start inclusive, end exclusive).
write_load("load-2025-01.csv", date(2025, 1, 1), date(2025, 2, 1), "50", {
    "2025-01-11 17:30": "137",  # Saturday: winter peak; the month's peak
    "2025-01-12 09:00": "110",  # Sunday 09:00: first super off-peak quarter-hour
    "2025-01-13 14:00": "120",  # Monday 14:00: super off-peak has ended → off-peak
    "2025-01-14 21:00": "115",  # Tuesday 21:00: peak has ended → off-peak
})
