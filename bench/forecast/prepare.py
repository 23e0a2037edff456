#!/usr/bin/python3
"""Prepares the series and the rolling-origin splits of the forecasting benchmark.

Reads the genuine traces (the repository's data/ first, then ../shared/data/), puts each on a
regular UTC time grid (missing steps and outage minutes become NaN), and chooses, for every
trace x step, K forecast origins in the later part of the data. Every tool (forescale, R,
statsmodels) then forecasts from exactly these origins, from exactly these training windows.

Writes, under OUT (bench/out/forecast by default):
  series/<trace>_<step>/<series>.csv   timestamp,value   (RFC 3339 UTC; empty cell = missing)
  train/<trace>_<step>/<series>_f<k>.csv  the training window of fold k, same format
  groups.csv   group,trace,step,step_seconds,horizon,horizon_label
  splits.csv   trace,step,series,fold,origin,train_start,origin_time,daily,weekly,kind
               (origin = index of the first forecast step; train = [train_start, origin))

Usage: prepare.py [--out DIR] [--quick]
"""

import argparse
import json
import os
import sys

import numpy as np
import pandas as pd

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

MINUTE = 60
HOUR = 3600
DAY = 86400


def find_data(rel):
    """data/REL in the repository, else ../shared/data/REL (as bench/ingest does)."""
    for base in (os.path.join(REPO, "data"), os.path.join(REPO, "..", "shared", "data")):
        path = os.path.join(base, rel)
        if os.path.exists(path):
            return os.path.normpath(path)
    sys.exit(f"prepare.py: {rel} not found under data/ nor ../shared/data/")


# --- the series ---------------------------------------------------------------------------------
# NAB series that are load (requests, CPU, network, latency, demand), not temperatures or key
# timings. kind: "count" series aggregate by sum (rate-preserving: mean x steps, so a missing
# 5-minute sample does not pull an hour down), "gauge" series by mean.
NAB_5M = [
    ("realAWSCloudwatch/elb_request_count_8c0756.csv", "count"),
    ("realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv", "gauge"),
    ("realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv", "gauge"),
    ("realAWSCloudwatch/ec2_network_in_257a54.csv", "count"),
    ("realAWSCloudwatch/ec2_network_in_5abac7.csv", "count"),
    ("realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv", "gauge"),
    ("realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv", "gauge"),
    ("realAWSCloudwatch/grok_asg_anomaly.csv", "gauge"),
    ("realKnownCause/ec2_request_latency_system_failure.csv", "gauge"),
    ("realKnownCause/cpu_utilization_asg_misconfiguration.csv", "gauge"),
]
NAB_30M = [("realKnownCause/nyc_taxi.csv", "count")]

# Quick mode keeps these (one request count, one CPU, one latency, the taxi demand).
NAB_QUICK = {"elb_request_count_8c0756", "ec2_cpu_utilization_5f5533",
             "ec2_request_latency_system_failure", "nyc_taxi"}


def regular_grid(ts, values, step_s, how):
    """Buckets (UTC timestamp, value) samples onto a regular grid of step_s seconds.

    Timestamps are floored to the step; several samples in one bucket are averaged (gauge) or
    summed (count); buckets without a sample are NaN.
    """
    t = pd.to_datetime(ts, utc=True).dt.floor(f"{step_s}s")
    s = pd.Series(np.asarray(values, dtype=float), index=t)
    s = s.groupby(level=0).mean() if how == "gauge" else s.groupby(level=0).sum(min_count=1)
    grid = pd.date_range(s.index[0], s.index[-1], freq=f"{step_s}s")
    return s.reindex(grid)


def aggregate(s, step_s, how, min_fraction):
    """Aggregates a regular series to a coarser step. A coarse bucket is NaN when fewer than
    min_fraction of its fine steps are present; counts are mean x fine steps per bucket."""
    fine_s = int((s.index[1] - s.index[0]).total_seconds())
    per = step_s // fine_s
    buckets = s.index.floor(f"{step_s}s")
    g = s.groupby(buckets)
    present = g.count()
    full = pd.Series(per, index=present.index)
    # The first and last buckets may be cut by the data's start/end: count them as partial.
    value = g.mean() * (per if how == "count" else 1)
    value[present < min_fraction * full] = np.nan
    grid = pd.date_range(value.index[0], value.index[-1], freq=f"{step_s}s")
    return value.reindex(grid)


def load_nasa():
    path = find_data("nasa_http/nasa_ksc_requests_per_minute.csv")
    df = pd.read_csv(path)
    # Local time -0400 (EDT) -> UTC.
    t = pd.to_datetime(df["timestamp"]) + pd.Timedelta(hours=4)
    v = df["requests"].astype(float).where(df["outage"] == 0)  # outage zeros are not load
    s = pd.Series(v.values, index=t.dt.tz_localize("UTC"))
    grid = pd.date_range(s.index[0], s.index[-1], freq="60s")
    m = s.reindex(grid)  # the 07-28 13:33 .. 07-31 gap becomes NaN
    # An hour is only as good as its minutes: any missing minute makes the hour missing.
    h = aggregate(m, HOUR, "count", 1.0)
    return path, m, h


def load_azure():
    path = find_data("azure_llm_2023/AzureLLMInferenceTrace_conv.csv")
    df = pd.read_csv(path)
    t = pd.to_datetime(df["TIMESTAMP"]).dt.tz_localize("UTC")
    minutes = pd.DatetimeIndex(t.dt.floor("60s"))
    counts = pd.Series(1.0, index=minutes).groupby(level=0).sum()
    # The first and last minutes are cut by the trace's start and end: drop them.
    counts = counts.iloc[1:-1]
    grid = pd.date_range(counts.index[0], counts.index[-1], freq="60s")
    return path, counts.reindex(grid).fillna(0.0)


def load_nab(rel, step_s, how):
    path = find_data("nab/" + rel)
    df = pd.read_csv(path)
    return path, regular_grid(df["timestamp"], df["value"], step_s, how)


# --- the groups -----------------------------------------------------------------------------------
# (trace, step label, step seconds, horizons [(label, seconds)], training window seconds (None =
#  all history up to the origin), minimum training seconds, folds (full, quick))
LAYOUT = [
    ("nasa", "1m", MINUTE, [("15m", 15 * MINUTE), ("1h", HOUR), ("1d", DAY)], 14 * DAY, 14 * DAY, (30, 2)),
    ("azure", "1m", MINUTE, [("15m", 15 * MINUTE)], None, 30 * MINUTE, (14, 2)),
    ("nab", "5m", 5 * MINUTE, [("1h", HOUR), ("1d", DAY)], 14 * DAY, 7 * DAY, (3, 1)),
    ("nasa", "1h", HOUR, [("6h", 6 * HOUR), ("1d", DAY)], 56 * DAY, 14 * DAY, (30, 2)),
    ("nab", "1h", HOUR, [("6h", 6 * HOUR), ("1d", DAY)], 56 * DAY, 7 * DAY, (3, 1)),
]


def choose_origins(values, step_s, max_h, window, min_train, k, later_fraction=0.5):
    """K origins spread evenly over the valid origins in the later part of the series.

    An origin o is valid when [o - min_train, o + max_h) lies inside the series, the training
    window is at least 85 % present, the last day (or last quarter, if shorter) before o is at
    least 90 % present, and the test window of the longest horizon is at least 90 % present.
    Origins sit on whole hours (whole minutes for series shorter than a day).
    """
    n = len(values)
    present = ~np.isnan(values)
    csum = np.concatenate([[0], np.cumsum(present)])

    def frac(a, b):
        return (csum[b] - csum[a]) / max(b - a, 1)

    align = HOUR // step_s if n * step_s >= 2 * DAY else 1
    lo = max(min_train, int(later_fraction * n))
    valid = []
    for o in range(lo, n - max_h + 1):
        if o % align:
            continue
        start = 0 if window is None else max(0, o - window)
        recent = max(start, o - min(DAY // step_s, (o - start) // 4))
        if frac(start, o) >= 0.85 and frac(recent, o) >= 0.9 and frac(o, o + max_h) >= 0.9:
            valid.append((o, start))
    if not valid:
        return []
    if len(valid) <= k:
        return valid
    picks = [valid[round(i * (len(valid) - 1) / (k - 1))] for i in range(k)] if k > 1 else [valid[-1]]
    return picks


def rfc3339(index):
    return index.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_series(path, s):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    out = pd.DataFrame({"timestamp": rfc3339(s.index), "value": s.values})
    out.to_csv(path, index=False, na_rep="", float_format="%.10g")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "out", "forecast"))
    ap.add_argument("--quick", action="store_true", help="fewer series and folds")
    args = ap.parse_args()

    nasa_path, nasa_1m, nasa_1h = load_nasa()
    azure_path, azure_1m = load_azure()
    sources = {nasa_path, azure_path}
    series = {("nasa", "1m"): [("nasa_ksc_requests", nasa_1m, "count")],
              ("azure", "1m"): [("azure_llm_conv_requests", azure_1m, "count")],
              ("nasa", "1h"): [("nasa_ksc_requests", nasa_1h, "count")],
              ("nab", "5m"): [], ("nab", "1h"): []}
    for rel, how in NAB_5M + NAB_30M:
        name = os.path.splitext(os.path.basename(rel))[0]
        if args.quick and name not in NAB_QUICK:
            continue
        native = 30 * MINUTE if (rel, how) in NAB_30M else 5 * MINUTE
        path, s = load_nab(rel, native, how)
        sources.add(path)
        if native == 5 * MINUTE:
            series[("nab", "5m")].append((name, s, how))
        series[("nab", "1h")].append((name, aggregate(s, HOUR, how, 0.5), how))

    groups, splits = [], []
    for trace, step, step_s, horizons, window_s, min_train_s, (k_full, k_quick) in LAYOUT:
        k = k_quick if args.quick else k_full
        max_h = max(sec for _, sec in horizons) // step_s
        window = None if window_s is None else window_s // step_s
        for label, sec in horizons:
            groups.append(dict(group=f"{trace}/{step}/h={label}", trace=trace, step=step,
                               step_seconds=step_s, horizon=sec // step_s, horizon_label=label))
        for name, s, how in series[(trace, step)]:
            values = s.values.astype(float)
            sdir = os.path.join(args.out, "series", f"{trace}_{step}")
            write_series(os.path.join(sdir, f"{name}.csv"), s)
            origins = choose_origins(values, step_s, max_h, window, min_train_s // step_s, k)
            if not origins:
                print(f"prepare.py: {trace}/{step} {name}: no valid origin, skipped", file=sys.stderr)
                continue
            for fold, (o, start) in enumerate(origins):
                tdir = os.path.join(args.out, "train", f"{trace}_{step}")
                write_series(os.path.join(tdir, f"{name}_f{fold}.csv"), s.iloc[start:o])
                splits.append(dict(trace=trace, step=step, series=name, fold=fold, origin=o,
                                   train_start=start, origin_time=rfc3339(s.index[o:o + 1])[0],
                                   daily=DAY // step_s, weekly=7 * DAY // step_s, kind=how))
    pd.DataFrame(groups).to_csv(os.path.join(args.out, "groups.csv"), index=False)
    pd.DataFrame(splits).to_csv(os.path.join(args.out, "splits.csv"), index=False)
    with open(os.path.join(args.out, "prepared.json"), "w") as f:
        json.dump({"quick": args.quick, "sources": sorted(sources)}, f, indent=1)
    print(f"prepare.py: {len(groups)} groups, {len(splits)} (series, fold) splits -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
