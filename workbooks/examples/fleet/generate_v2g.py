#!/usr/bin/env python3
"""Derive the V2G example's fleet from the depot example (run generate_fleet.py first).

v2g-vehicles.csv: the same 40 vans and their night, moved to 2024-07-01/02 so that
`voltlex v2g` can repeat the routine over the 30 nights of July (`"days": 30`).
v2g-chargers.csv: the depot re-equipped for V2G — 24 bidirectional DC units of 20 kW
(CHAdeMO V2X class, efficiency 0.93 each way) and 16 AC wallboxes of 6 kW. Illustrative.
Deterministic: no randomness, the output depends only on vehicles.csv.
"""
import csv

with open("v2g-chargers.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(["id", "max_kw", "efficiency", "v2g", "dc", "vehicles"])
    for n in range(1, 25):
        out.writerow([f"V2X-{n:02d}", 20, 0.93, "yes", "yes", ""])
    for n in range(1, 17):
        out.writerow([f"AC-{n:02d}", 6, 0.93, "no", "no", ""])

with open("vehicles.csv") as f:
    rows = list(csv.reader(f))
with open("v2g-vehicles.csv", "w", newline="") as f:
    out = csv.writer(f, lineterminator="\n")
    out.writerow(rows[0])
    for row in rows[1:]:
        out.writerow([cell.replace("2024-07-16", "2024-07-01").replace("2024-07-17", "2024-07-02")
                      for cell in row])
