#!/usr/bin/env python3
"""A realistic daily panel for the prophet suite: long CSV unique_id,ds,y.

Each series: 2-3 years of daily values (ending 2024-06-30), a piecewise-linear trend
with 1-4 changes of slope, a weekly pattern (weekend dip or peak), a yearly pattern
(one or two harmonics, random phase), a Christmas-week dip on some series, and noise.
A third of the series are multiplicative (the seasonal swing grows with the level).
Values stay positive so both Prophet modes apply. Deterministic (seed 7).

Usage: make_daily.py [OUT] [--series 40]
"""
import argparse, datetime as dt, math, os, random

def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("out", nargs="?", default=os.path.join(here, "../../.bench-data/prophet_daily.csv"))
    ap.add_argument("--series", type=int, default=40)
    a = ap.parse_args()
    rng = random.Random(7)
    end = dt.date(2024, 6, 30)
    rows = ["unique_id,ds,y"]
    for s in range(a.series):
        n = rng.randint(730, 1095)
        start = end - dt.timedelta(days=n - 1)
        level = rng.uniform(50, 2000)
        slope0 = rng.uniform(-0.3, 1.0) * level / 1000
        n_breaks = rng.randint(1, 4)
        breaks = sorted(rng.sample(range(60, n - 30), n_breaks))
        slopes = [slope0] + [rng.uniform(-0.6, 1.2) * level / 1000 for _ in breaks]
        weekly = [rng.gauss(0, 1) for _ in range(7)]
        wk_amp = rng.uniform(0.03, 0.2)
        if rng.random() < 0.5:  # weekend effect
            weekly[5] -= 2.0; weekly[6] -= 2.5
        wm = sum(weekly) / 7
        weekly = [w - wm for w in weekly]
        wsd = math.sqrt(sum(w * w for w in weekly) / 7)
        weekly = [w / wsd for w in weekly]
        yr_amp = rng.uniform(0.05, 0.3)
        ph1, ph2 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
        a2 = rng.uniform(0, 0.5)
        multiplicative = s % 3 == 0
        xmas = rng.random() < 0.5
        noise = rng.uniform(0.02, 0.08)
        ar = rng.uniform(0.0, 0.6)
        e_prev = 0.0
        trend = level
        seg = 0
        for i in range(n):
            d = start + dt.timedelta(days=i)
            while seg < len(breaks) and i >= breaks[seg]:
                seg += 1
            trend += slopes[seg]
            trend = max(trend, 0.2 * level)
            doy = d.timetuple().tm_yday / 365.25
            yearly = math.sin(2 * math.pi * doy + ph1) + a2 * math.sin(4 * math.pi * doy + ph2)
            season = wk_amp * weekly[d.weekday()] + yr_amp * yearly
            if xmas and (d.month == 12 and 24 <= d.day <= 26):
                season -= 0.3
            scale = trend if multiplicative else level
            e = ar * e_prev + rng.gauss(0, noise)
            e_prev = e
            y = trend + scale * season + level * e
            y = max(y, 1.0)
            rows.append(f"D{s:03d},{d.isoformat()},{y:.3f}")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(rows) + "\n")
    print(a.out)

if __name__ == "__main__":
    main()
