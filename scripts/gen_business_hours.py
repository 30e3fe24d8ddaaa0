#!/usr/bin/env python3
"""Writes a weekday 07:00-21:00 5-minute call-centre series (long CSV) for fcast's tests.

Two series over 15 weekdays from Monday 2024-03-04: a smooth daily profile (a morning
peak near 10:00, a lunch dip, an afternoon peak near 15:00, tailing off towards 21:00),
a day-of-week level (Mondays busier, Fridays quieter) and Gaussian noise (seed fixed).
Nights and weekends have no rows, as a call centre's export does.
"""
import math
import random
import sys
from datetime import datetime, timedelta

def main(path):
    rng = random.Random(19)
    start = datetime(2024, 3, 4)  # a Monday
    rows = ["unique_id,ds,y"]
    for sid, scale in (("calls_a", 1.0), ("calls_b", 0.6)):
        day = start
        days = 0
        while days < 15:
            if day.weekday() < 5:
                level = {0: 1.15, 1: 1.05, 2: 1.0, 3: 1.0, 4: 0.85}[day.weekday()]
                for slot in range(168):
                    t = day + timedelta(hours=7, minutes=5 * slot)
                    h = 7 + slot / 12.0
                    profile = (40 * math.exp(-((h - 10.0) / 1.6) ** 2)
                               + 32 * math.exp(-((h - 15.0) / 2.0) ** 2)
                               + 12 - 0.6 * (h - 7))
                    y = max(0.0, scale * level * profile + rng.gauss(0, 3.0 * scale))
                    rows.append(f"{sid},{t:%Y-%m-%d %H:%M:%S},{y:.2f}")
                days += 1
            day += timedelta(days=1)
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "business_5min.csv")
