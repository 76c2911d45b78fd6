#!/usr/bin/env python3
"""Writes the data of the jp-tepco-hv-fy2025-bands golden tests (python3, standard library only).

Loads and spot prices are constant within each of the four time bands (night 22-08, day 08-13,
afternoon 13-17, evening 17-22; UNVERIFIED limits, see basic-fy2025-bands.vlx), so every
band's kWh and mean price can be worked out by hand; the test TOML files show that arithmetic.
Run from anywhere: `python3 make_data.py` rewrites the files next to this script byte for byte.

Files written (interval start labels, local time, whole calendar months):

  load-2025-04-to-05.csv  30-min `timestamp,kw`. April: 400 kW in the evening band only, 0
                          otherwise. May: spread over all four bands, 200 / 206 / 240 / 202 kW
                          (night / day / afternoon / evening), 5,000 kWh a day.
  load-2025-06-15min.csv  15-min `timestamp,kwh`: 37.5 kWh (150 kW) in the night band only.
  jepx-spot-2025-01-to-03.csv
                          a JEPX spot_summary-style file (UTF-8, the real 19-column header)
                          for 2024-12-31 .. 2025-04-01: TEST PRICES, not JEPX results.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def band(minute):
    """0 night 22:00-08:00, 1 day 08:00-13:00, 2 afternoon 13:00-17:00, 3 evening 17:00-22:00."""
    if minute < 8 * 60 or minute >= 22 * 60:
        return 0
    if minute < 13 * 60:
        return 1
    if minute < 17 * 60:
        return 2
    return 3


def intervals(first, end, minutes):
    """Datetimes of every interval from `first` up to `end` (exclusive), both dates."""
    at = datetime(first.year, first.month, first.day)
    stop = datetime(end.year, end.month, end.day)
    while at < stop:
        yield at
        at += timedelta(minutes=minutes)


def write(name, lines):
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines) - 1} rows")


# Basic Plan FY2025, April (load in one band) and May (spread) 2025; values are kW per band.
BY_MONTH_KW = {
    4: ["0", "0", "0", "400"],        # evening only: 10 half-hours x 200 kWh = 2,000 kWh a day
    5: ["200", "206", "240", "202"],  # 20 x 100 + 10 x 103 + 8 x 120 + 10 x 101 = 5,000 kWh a day
}
rows = ["timestamp,kw"]
for at in intervals(date(2025, 4, 1), date(2025, 6, 1), 30):
    rows.append(f"{at:%Y-%m-%d %H:%M},{BY_MONTH_KW[at.month][band(at.hour * 60 + at.minute)]}")
write("load-2025-04-to-05.csv", rows)

# June 2025, 15-minute energy: 37.5 kWh (150 kW) in the night band, nothing otherwise.
rows = ["timestamp,kwh"]
for at in intervals(date(2025, 6, 1), date(2025, 7, 1), 15):
    rows.append(f"{at:%Y-%m-%d %H:%M},{'37.5' if band(at.hour * 60 + at.minute) == 0 else '0'}")
write("load-2025-06-15min.csv", rows)

# ---------------------------------------------------------------------------------------
# A JEPX spot_summary-style file. TEST PRICES, NOT JEPX RESULTS. UTF-8 (JEPX publishes
# Shift-JIS; the reader takes both) with JEPX's real 19-column header.
#
# Tokyo area price (column 9), in sen, by month and band (night, day, afternoon, evening),
# plus an amount on every Sunday so that a band's mean is over the whole month:
#   2025-01   900 / 1150 / 1400 / 2000, Sundays +310 (4 of 31 days: mean +0.40 JPY/kWh)
#   2025-02   850 /  720 / 1290 / 1870, Sundays  +70 (4 of 28 days: mean +0.10)
#   2025-03  1010 /  600 / 1100 / 1600, Sundays  +62 (5 of 31 days: mean +0.10)
# 2024-12-31 and 2025-04-01 are padding at 99.99 so that a window that strays outside the
# index month shows. Every other area and the system price carry other constants so that
# reading the wrong column shows too.
HEADER = (
    "受渡日,時刻コード,売り入札量(kWh),買い入札量(kWh),約定総量(kWh),システムプライス(円/kWh),"
    "エリアプライス北海道(円/kWh),エリアプライス東北(円/kWh),エリアプライス東京(円/kWh),"
    "エリアプライス中部(円/kWh),エリアプライス北陸(円/kWh),エリアプライス関西(円/kWh),"
    "エリアプライス中国(円/kWh),エリアプライス四国(円/kWh),エリアプライス九州(円/kWh),"
    "売りブロック入札総量(kWh),売りブロック約定総量(kWh),買いブロック入札総量(kWh),"
    "買いブロック約定総量(kWh)"
)
OTHER_AREAS = ["41.01", "42.02", None, "44.04", "45.05", "46.06", "47.07", "48.08", "49.09"]
SEN = {1: [900, 1150, 1400, 2000], 2: [850, 720, 1290, 1870], 3: [1010, 600, 1100, 1600]}
SUNDAY = {1: 310, 2: 70, 3: 62}


def tokyo_price(day, code):
    """Time code k (1-48) starts 30(k-1) minutes after midnight."""
    if day.year != 2025 or day.month not in SEN:
        return "99.99"
    cents = SEN[day.month][band(30 * (code - 1))]
    if day.weekday() == 6:
        cents += SUNDAY[day.month]
    return f"{cents // 100}.{cents % 100:02d}"


rows = [HEADER]
day = date(2024, 12, 31)
while day <= date(2025, 4, 1):
    for code in range(1, 49):
        prices = ["40.00"] + [tokyo_price(day, code) if p is None else p for p in OTHER_AREAS]
        rows.append(
            f"{day.year}/{day.month}/{day.day},{code},1000000,1000000,1000000,"
            + ",".join(prices)
            + ",0,0,0,0"
        )
    day += timedelta(days=1)
rows.append(",,,,,,,,,,,,,,,,,,")  # JEPX pads its files with empty rows
write("jepx-spot-2025-01-to-03.csv", rows)
