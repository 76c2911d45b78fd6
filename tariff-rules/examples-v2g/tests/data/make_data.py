#!/usr/bin/env python3
"""Writes the load data of the examples-v2g golden test (python3, standard library only).

June 2025, 30-minute `timestamp,kw` rows labelled by interval start: a depot that charges its
fleet overnight, 100 kW from 22:00 to 06:00 and 20 kW otherwise, every day alike. A day is
8 h × 100 + 16 h × 20 = 1,120 kWh; the month (30 days) 33,600 kWh; the peak 100 kW.
Run from anywhere: `python3 make_data.py` rewrites the file next to this script byte for byte.
"""

from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent

lines = ["timestamp,kw"]
at = datetime(2025, 6, 1)
stop = datetime(2025, 7, 1)
energy = 0.0
while at < stop:
    kw = 100 if at.hour >= 22 or at.hour < 6 else 20
    lines.append(f"{at:%Y-%m-%d %H:%M},{kw}")
    energy += kw / 2
    at += timedelta(minutes=30)
assert energy == 33_600, energy
(HERE / "load-2025-06.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"load-2025-06.csv: {len(lines) - 1} rows, {energy:.0f} kWh")
