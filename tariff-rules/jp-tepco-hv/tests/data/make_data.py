#!/usr/bin/env python3
"""Writes the interval data of the jp-tepco-hv golden tests (python3, standard library only).

Every load file is a constant base load with a few single intervals set apart, so each
month's kWh, peak and (for the spot file) price sum can be worked out by hand; the test
TOML files show that arithmetic. Run from anywhere: `python3 make_data.py` rewrites the
files next to this script byte for byte.

Files written (interval start labels, local time, whole calendar months):

  load-2025-03-to-05.csv   30-min `timestamp,kw`: 200 kW, one peak interval per month
  load-2024-06-to-08.csv   30-min `timestamp,kwh`: 60 kWh, one peak interval per month
  load-2025-01.csv         30-min `timestamp,kw`: 200 kW, one 320 kW interval (Sunday 18:00)
  load-2025-04.csv         30-min `timestamp,kw`: 150 kW, one 262.4 kW interval
  load-2025-04-flat.csv    30-min `timestamp,kw`: 100 kW all month
  jepx-spot-2025-01.csv    a JEPX spot_summary-style file (UTF-8, the real 19-column header)
                           for 2024-12-31 .. 2025-02-01: TEST PRICES, not JEPX results.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def months_between(first, end):
    """Datetimes of every interval from `first` (a date) up to `end` (exclusive)."""
    at = datetime(first.year, first.month, first.day)
    stop = datetime(end.year, end.month, end.day)
    while at < stop:
        yield at
        at += timedelta(minutes=30)


def write_load(name, first, end, column, base, spikes):
    """`spikes`: {"YYYY-MM-DD HH:MM": value} — intervals whose value differs from `base`."""
    lines = [f"timestamp,{column}"]
    used = set()
    for at in months_between(first, end):
        label = at.strftime("%Y-%m-%d %H:%M")
        value = spikes.get(label, base)
        if label in spikes:
            used.add(label)
        lines.append(f"{label},{value}")
    assert used == set(spikes), f"{name}: spikes outside the data: {set(spikes) - used}"
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines) - 1} rows")


# Basic Plan, FY2024 -> FY2025 (prices change 2025-04-01, renewable levy 2025-05-01).
write_load(
    "load-2025-03-to-05.csv", date(2025, 3, 1), date(2025, 6, 1), "kw", "200",
    {
        "2025-03-10 10:00": "300",    # Monday
        "2025-04-15 11:30": "310.4",  # Tuesday
        "2025-05-20 14:00": "322.7",  # Tuesday
    },
)

# Market-Adjustment-Zero Plan, new supply from June 2024.
write_load(
    "load-2024-06-to-08.csv", date(2024, 6, 1), date(2024, 9, 1), "kwh", "60",
    {
        "2024-06-12 13:30": "125",     # 250 kW
        "2024-07-09 14:00": "115",     # 230 kW
        "2024-08-20 15:00": "140.25",  # 280.5 kW
    },
)

# Market-Linked Plan, January 2025: the peak on Sunday 2025-01-19 18:00 (time code 37).
write_load(
    "load-2025-01.csv", date(2025, 1, 1), date(2025, 2, 1), "kw", "200",
    {"2025-01-19 18:00": "320"},
)

# Basic Plan, April 2025, new supply; its market-price window is January 2025 (the spot file).
write_load(
    "load-2025-04.csv", date(2025, 4, 1), date(2025, 5, 1), "kw", "150",
    {"2025-04-08 10:00": "262.4"},
)

# April 2025 at a flat 100 kW (the power-factor input tests of the golden runner).
write_load("load-2025-04-flat.csv", date(2025, 4, 1), date(2025, 5, 1), "kw", "100", {})

# ---------------------------------------------------------------------------------------
# A JEPX spot_summary-style file. TEST PRICES, NOT JEPX RESULTS. UTF-8 (JEPX publishes
# Shift-JIS; the reader takes both) with JEPX's real 19-column header.
#
# Tokyo area price (column 9) by time code k (interval start 30(k-1) minutes after midnight):
#   codes  1-16 (00:00-08:00) 10.03   codes 17-32 (08:00-16:00) 15.27
#   codes 33-44 (16:00-22:00) 20.51   codes 45-48 (22:00-24:00) 12.08
#   plus 1.11 on Sundays (2025-01-05, 12, 19, 26).
# One day: 16 x 10.03 + 16 x 15.27 + 12 x 20.51 + 4 x 12.08 = 699.24;
# January 2025: 31 x 699.24 + 4 Sundays x 48 x 1.11 = 21,676.44 + 213.12 = 21,889.56 over
# 1,488 intervals (mean 14.710725806...).
# 2024-12-31 and 2025-02-01 are padding at 99.99 so that a window or a per-interval price
# that strays outside January shows. Every other area and the system price carry other
# constants so that reading the wrong column shows too.
HEADER = (
    "受渡日,時刻コード,売り入札量(kWh),買い入札量(kWh),約定総量(kWh),システムプライス(円/kWh),"
    "エリアプライス北海道(円/kWh),エリアプライス東北(円/kWh),エリアプライス東京(円/kWh),"
    "エリアプライス中部(円/kWh),エリアプライス北陸(円/kWh),エリアプライス関西(円/kWh),"
    "エリアプライス中国(円/kWh),エリアプライス四国(円/kWh),エリアプライス九州(円/kWh),"
    "売りブロック入札総量(kWh),売りブロック約定総量(kWh),買いブロック入札総量(kWh),"
    "買いブロック約定総量(kWh)"
)
OTHER_AREAS = ["41.01", "42.02", None, "44.04", "45.05", "46.06", "47.07", "48.08", "49.09"]


def tokyo_price(day, code):
    if day.month != 1:
        return "99.99"
    cents = 1003 if code <= 16 else 1527 if code <= 32 else 2051 if code <= 44 else 1208
    if day.weekday() == 6:  # Sunday
        cents += 111
    return f"{cents // 100}.{cents % 100:02d}"


rows = [HEADER]
day = date(2024, 12, 31)
while day <= date(2025, 2, 1):
    for code in range(1, 49):
        prices = ["40.00"] + [tokyo_price(day, code) if p is None else p for p in OTHER_AREAS]
        rows.append(
            f"{day.year}/{day.month}/{day.day},{code},1000000,1000000,1000000,"
            + ",".join(prices)
            + ",0,0,0,0"
        )
    day += timedelta(days=1)
rows.append(",,,,,,,,,,,,,,,,,,")  # JEPX pads its files with empty rows
(HERE / "jepx-spot-2025-01.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
print(f"jepx-spot-2025-01.csv: {len(rows) - 2} price rows")
