#!/usr/bin/env python3
"""Generate the example depot fleet: 40 delivery vans and their chargers, one summer night.

Deterministic (fixed seed): running it again rewrites the same chargers.csv and vehicles.csv.
The vans return from their rounds between 16:30 and 20:00 with 20-55 % charge and leave
between 06:00 and 08:30 the next morning wanting 90 %; six are booked for an early long trip
(reserved 80 %). Chargers: 36 AC wallboxes (6 kW, two of them 3-phase 11 kW) and 4 DC 50 kW
units shared by any van. Figures are illustrative, not a real depot.
"""
import csv
import random

random.seed(20240716)
DAY = "2024-07-16"
NEXT = "2024-07-17"


def clock(day, minutes):
    return f"{day} {minutes // 60:02d}:{minutes % 60:02d}"


with open("chargers.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["id", "max_kw", "efficiency", "v2g", "dc", "vehicles"])
    for n in range(1, 37):
        kw = 11 if n <= 2 else 6
        out.writerow([f"AC-{n:02d}", kw, 0.93, "no", "no", ""])
    for n in range(1, 5):
        out.writerow([f"DC-{n}", 50, 0.95, "yes" if n <= 2 else "no", "yes", ""])

with open("vehicles.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["id", "battery_kwh", "chemistry", "max_ac_kw", "max_dc_kw", "priority",
                  "charger", "arrival", "departure", "arrival_soc_pct", "target_soc_pct",
                  "target_kwh", "reserved_soc_pct"])
    for n in range(1, 41):
        battery, chemistry = random.choice([(40, "LFP"), (60, "LFP"), (75, "NMC")])
        arrival = random.randrange(16 * 60 + 30, 20 * 60 + 1, 10)
        departure = random.randrange(6 * 60, 8 * 60 + 31, 10)
        soc = random.randrange(20, 56)
        booked = n % 7 == 0
        out.writerow([f"VAN-{n:02d}", battery, chemistry, 6.6, 50, 2 if booked else 1, "",
                      clock(DAY, arrival), clock(NEXT, departure), soc, 90, "",
                      80 if booked else ""])

# The site's meter data for July 2024 alone (the billing month of the example night), cut
# from the example site-year, and the peak history the ratchet needs before it: the site's
# history file (to 2024-03) followed by the April-June peaks of the site-year.
with open("../site-2024-load.csv") as f:
    rows = list(csv.reader(f))
header, data = rows[0], rows[1:]
with open("site-2024-07-load.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(header)
    out.writerows(r for r in data if r[0].startswith("2024-07"))
peaks = {}
for stamp, kw in data:
    month = stamp[:7]
    if month < "2024-07":
        peaks[month] = max(peaks.get(month, 0.0), float(kw))
with open("../site-2024-history.csv") as f:
    history = list(csv.reader(f))
with open("site-history-to-2024-06.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerows(history)
    for month in sorted(peaks):
        out.writerow([month, f"{peaks[month]:.1f}"])
