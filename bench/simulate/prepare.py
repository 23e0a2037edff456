#!/usr/bin/python3
"""Scaling profiles for bench/simulate from the real traces in ../shared/data.

Each trace becomes a requests/s series at 1-minute steps (coarser traces are interpolated
linearly between their points; per-minute counts are divided by 60), scaled so that its
busiest minute needs PEAK_REPLICAS replicas of the example service (50 rps per replica at 100 %
CPU, 60 % target): peak = PEAK_REPLICAS x 50 x 0.6 rps. CPU-utilisation traces stand for load
(CPU is proportional to request rate for a CPU-bound service). Writes
OUT/<trace>.csv (timestamp,rps) and OUT/traces.tsv (name, warm-up, description).
"""
import csv
import datetime as dt
import math
import os
import sys

DATA = os.environ.get("FORESCALE_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
OUT = sys.argv[1] if len(sys.argv) > 1 else "bench/out/simulate"
PEAK_REPLICAS = 24
PEAK_RPS = PEAK_REPLICAS * 50 * 0.6


def read(path, column=1, fmt="%Y-%m-%d %H:%M:%S"):
    rows = []
    with open(path) as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            if len(r) <= column or r[column] == "":
                continue
            rows.append((dt.datetime.strptime(r[0][:19], fmt), float(r[column])))
    rows.sort()
    # NAB repeats a timestamp at the daylight-saving switch: keep the first.
    out = []
    for t, v in rows:
        if out and out[-1][0] == t:
            continue
        out.append((t, v))
    return out


def per_minute(rows, divide=1.0, max_gap_minutes=180):
    """Linear interpolation onto whole minutes; gaps longer than max_gap stay missing."""
    start = rows[0][0].replace(second=0)
    end = rows[-1][0]
    minutes = int((end - start).total_seconds() // 60) + 1
    values = [math.nan] * minutes
    for (t0, v0), (t1, v1) in zip(rows, rows[1:]):
        gap = (t1 - t0).total_seconds() / 60
        if gap > max_gap_minutes:
            continue
        i0 = math.ceil((t0 - start).total_seconds() / 60)
        i1 = int((t1 - start).total_seconds() // 60)
        for i in range(i0, i1 + 1):
            t = (i * 60 - (t0 - start).total_seconds()) / 60
            w = t / gap if gap else 0
            values[i] = (v0 + (v1 - v0) * w) / divide
    return start, values


def write(name, start, values, warm_up, description, out_rows):
    peak = max(v for v in values if not math.isnan(v))
    k = PEAK_RPS / peak
    path = os.path.join(OUT, name + ".csv")
    with open(path, "w") as f:
        f.write("timestamp,rps\n")
        for i, v in enumerate(values):
            t = start + dt.timedelta(minutes=i)
            f.write(f"{t:%Y-%m-%dT%H:%M:%SZ},{'' if math.isnan(v) else f'{v * k:.3f}'}\n")
    out_rows.append((name, warm_up, f"{description}; {len(values)} min, x{k:.3g} to peak {PEAK_RPS:.0f} rps"))


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = []
    nasa = read(os.path.join(DATA, "nasa_http/nasa_ksc_requests_per_minute.csv"))
    # The four weeks before the gap in the logs (07-28 13:33).
    nasa = [r for r in nasa if r[0] < dt.datetime(1995, 7, 28)]
    start, values = per_minute(nasa, divide=60.0)
    write("nasa", start, values, "7d", "NASA KSC web server, July 1995, requests per minute", rows)
    elb = read(os.path.join(DATA, "nab/realAWSCloudwatch/elb_request_count_8c0756.csv"))
    start, values = per_minute(elb)
    write("nab-elb", start, values, "5d", "AWS ELB request count (NAB), 5-minute points", rows)
    taxi = read(os.path.join(DATA, "nab/realKnownCause/nyc_taxi.csv"))
    taxi = [r for r in taxi if r[0] < dt.datetime(2014, 8, 12)]
    start, values = per_minute(taxi)
    write("nyc-taxi", start, values, "7d", "NYC taxi demand (NAB), 30-minute points, 6 weeks", rows)
    asg = read(os.path.join(DATA, "nab/realKnownCause/cpu_utilization_asg_misconfiguration.csv"))
    asg = asg[-(5 * 288 * 4):]  # the last four weeks
    start, values = per_minute(asg)
    write("nab-asg-cpu", start, values, "7d", "EC2 Auto Scaling group CPU (NAB), 5-minute points, as load", rows)
    with open(os.path.join(OUT, "traces.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
