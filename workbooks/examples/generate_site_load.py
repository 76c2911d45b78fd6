#!/usr/bin/env python3
"""Write site-2024-load.csv: a year of synthetic 30-minute interval data for an example site.

The site is a logistics depot with offices on a high-voltage (高圧) supply under 500 kW, in
the Kanto area (Asia/Tokyo local time; Japan has no daylight saving time):

- night base load about 80-120 kW (lighting, refrigeration, IT, chargers on trickle);
- weekdays: the depot ramps up from 05:30, runs at 220-330 kW through the day with a small
  lunch dip, and winds down through an evening shift until 22:00;
- Saturdays run a lighter, shorter day; Sundays, Japanese national holidays and the year-end
  closure (30 December - 3 January) stay near base load;
- cooling lifts summer afternoons (a hot week, 5-9 August 2024, peaks around 430-450 kW);
  heating lifts winter mornings;
- every value carries a little noise.

The weather is a smooth seasonal curve for Tokyo plus day-to-day noise, not measured
weather. The figures are illustrative: plausible in shape and size, not any real site's.

Deterministic: the random stream is random.Random(2024), so every run writes the same file.
Python 3 standard library only. Run:  python3 generate_site_load.py
"""

import datetime as dt
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "site-2024-load.csv"
FIRST_DAY = dt.date(2024, 4, 1)
LAST_DAY = dt.date(2025, 3, 31)

# Japanese national holidays, 2024-04 .. 2025-03 (Cabinet Office list), including
# substitute holidays (振替休日).
HOLIDAYS = {
    dt.date(2024, 4, 29),  # 昭和の日 Showa Day
    dt.date(2024, 5, 3),  # 憲法記念日 Constitution Memorial Day
    dt.date(2024, 5, 4),  # みどりの日 Greenery Day
    dt.date(2024, 5, 5),  # こどもの日 Children's Day (Sunday)
    dt.date(2024, 5, 6),  # 振替休日 substitute holiday
    dt.date(2024, 7, 15),  # 海の日 Marine Day
    dt.date(2024, 8, 11),  # 山の日 Mountain Day (Sunday)
    dt.date(2024, 8, 12),  # 振替休日 substitute holiday
    dt.date(2024, 9, 16),  # 敬老の日 Respect for the Aged Day
    dt.date(2024, 9, 22),  # 秋分の日 Autumnal Equinox Day (Sunday)
    dt.date(2024, 9, 23),  # 振替休日 substitute holiday
    dt.date(2024, 10, 14),  # スポーツの日 Sports Day
    dt.date(2024, 11, 3),  # 文化の日 Culture Day (Sunday)
    dt.date(2024, 11, 4),  # 振替休日 substitute holiday
    dt.date(2024, 11, 23),  # 勤労感謝の日 Labour Thanksgiving Day (Saturday: no substitute)
    dt.date(2025, 1, 1),  # 元日 New Year's Day
    dt.date(2025, 1, 13),  # 成人の日 Coming of Age Day
    dt.date(2025, 2, 11),  # 建国記念の日 National Foundation Day
    dt.date(2025, 2, 23),  # 天皇誕生日 Emperor's Birthday (Sunday)
    dt.date(2025, 2, 24),  # 振替休日 substitute holiday
    dt.date(2025, 3, 20),  # 春分の日 Vernal Equinox Day
}

# The company's own year-end closure (年末年始), not national holidays.
CLOSURE = {dt.date(2024, 12, d) for d in (30, 31)} | {dt.date(2025, 1, d) for d in (1, 2, 3)}

# The hot week: extra degrees on the daily maximum.
HOT_WEEK = {dt.date(2024, 8, d): 4.6 for d in range(5, 10)}

# Tokyo, typical daily maximum and minimum temperature by month (°C), roughly the normals.
MONTHLY_MAX = {1: 10.0, 2: 11.0, 3: 14.2, 4: 19.4, 5: 23.6, 6: 26.1,
               7: 29.9, 8: 31.3, 9: 27.5, 10: 22.0, 11: 16.7, 12: 12.0}
MONTHLY_MIN = {1: 1.2, 2: 2.1, 3: 5.0, 4: 10.0, 5: 15.0, 6: 19.0,
               7: 23.0, 8: 24.5, 9: 21.0, 10: 15.5, 11: 9.0, 12: 3.9}

COOL_FROM = 24.0  # °C: cooling starts above this
HEAT_BELOW = 14.0  # °C: heating starts below this
COOL_KW_PER_DEGREE = 10.5
HEAT_KW_PER_DEGREE = 4.2


def smooth_monthly(table, day):
    """The monthly table interpolated to a day (values sit mid-month)."""
    mid = dt.date(day.year, day.month, 15)
    if day >= mid:
        other = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 15)
        a, b = table[day.month], table[other.month]
        frac = (day - mid).days / (other - mid).days
    else:
        prev_month = 12 if day.month == 1 else day.month - 1
        other = dt.date(day.year - (day.month == 1), prev_month, 15)
        a, b = table[prev_month], table[day.month]
        frac = (day - other).days / (mid - other).days
    return a + (b - a) * frac


def temperature(hour, t_min, t_max):
    """Hourly temperature: minimum around 05:00, maximum around 14:30."""
    phase = (hour - 5.0) / 9.5 if 5.0 <= hour <= 14.5 else None
    if phase is not None:
        shape = 0.5 - 0.5 * math.cos(math.pi * phase)
    else:
        since_peak = (hour - 14.5) % 24.0  # 0 at 14:30, 14.5 at 05:00
        shape = 0.5 + 0.5 * math.cos(math.pi * since_peak / 14.5)
    return t_min + (t_max - t_min) * shape


def weekday_activity(hour):
    """Share of the depot's daytime load running at this hour on a full working day."""
    if hour < 5.5 or hour >= 22.0:
        return 0.0
    if hour < 7.5:
        return (hour - 5.5) / 2.0
    if hour < 12.0:
        return 1.0
    if hour < 13.0:
        return 0.9  # lunch
    if hour < 18.0:
        return 1.0
    if hour < 19.0:
        return 1.0 - 0.5 * (hour - 18.0)  # offices leave
    if hour < 21.0:
        return 0.5 - 0.1 * (hour - 19.0)  # evening shift
    return 0.3 - 0.3 * (hour - 21.0)


def saturday_activity(hour):
    """A lighter, shorter Saturday: loading only."""
    if hour < 6.5 or hour >= 17.0:
        return 0.0
    if hour < 8.0:
        return 0.55 * (hour - 6.5) / 1.5
    if hour < 15.0:
        return 0.55
    return 0.55 * (17.0 - hour) / 2.0


def main():
    rng = random.Random(2024)
    rows = []
    weather = 0.0  # day-to-day temperature anomaly, AR(1)
    day = FIRST_DAY
    while day <= LAST_DAY:
        weather = 0.6 * weather + rng.gauss(0.0, 1.6)
        t_max = smooth_monthly(MONTHLY_MAX, day) + weather + HOT_WEEK.get(day, 0.0)
        t_min = smooth_monthly(MONTHLY_MIN, day) + 0.7 * weather + 0.6 * HOT_WEEK.get(day, 0.0)
        base = rng.uniform(88.0, 108.0)
        day_kw = rng.uniform(225.0, 310.0)  # the working day's load before heating/cooling
        off_day = day in HOLIDAYS or day in CLOSURE or day.weekday() == 6
        saturday = day.weekday() == 5 and not off_day
        for slot in range(48):
            hour = slot / 2.0 + 0.25  # middle of the interval
            if off_day:
                activity = 0.0
            elif saturday:
                activity = saturday_activity(hour)
            else:
                activity = weekday_activity(hour)
            temp = temperature(hour, t_min, t_max)
            # Offices and the warehouse floor are conditioned while people work; a little
            # (server room, cold store) runs always.
            hvac_share = 0.12 + 0.88 * min(1.0, activity * 1.2)
            cooling = COOL_KW_PER_DEGREE * max(0.0, temp - COOL_FROM) * hvac_share
            heating = HEAT_KW_PER_DEGREE * max(0.0, HEAT_BELOW - temp) * hvac_share
            if activity > 0.0 and 6.5 <= hour < 10.5:
                heating *= 1.35  # morning warm-up of a cold building
            night_extra = 8.0 if hour < 6.0 or hour >= 22.0 else 0.0
            kw = base + night_extra * rng.random() + activity * (day_kw - base)
            kw += cooling + heating + rng.gauss(0.0, 3.5)
            start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=30 * slot)
            rows.append((start, max(kw, 40.0)))
        day += dt.timedelta(days=1)

    with OUT.open("w", encoding="utf-8", newline="\n") as out:
        out.write("timestamp,kw\n")
        for start, kw in rows:
            out.write(f"{start:%Y-%m-%d %H:%M},{kw:.1f}\n")

    expected = ((LAST_DAY - FIRST_DAY).days + 1) * 48
    assert len(rows) == expected == 17_520, (len(rows), expected)
    peaks = {}
    for start, kw in rows:
        key = f"{start:%Y-%m}"
        peaks[key] = max(peaks.get(key, 0.0), round(kw, 1))
    print(f"wrote {OUT.name}: {len(rows)} rows")
    for month, peak in peaks.items():
        print(f"  {month} peak {peak:.1f} kW")


if __name__ == "__main__":
    main()
