#!/usr/bin/python3
"""forescale on the forecasting benchmark's splits (see bench/README.md).

For every selected group, every (series, fold) of its trace x step and every model, runs

  forescale forecast --input TRAIN.csv --horizon H --model MODEL \\
      --quantiles 0.025,0.1,0.5,0.9,0.975 --format csv

one process per call, and times the wall clock of the whole process (start-up, reading the CSV,
fitting, forecasting, writing), so forescale's figure includes costs that the peers' in-process
timings leave out. Calls run one at a time.

`auto` must work. Other models are probed once on the smallest training window; a model the
command does not (yet) accept is left out of the table, with the reason printed. A call that fails
after its model passed the probe is a failure: it is reported with its stderr and the script exits 1
after writing what it has.

Usage: run_forescale.py OUT FORESCALE GROUPS MODELS [--horizon-unit steps|duration]
Writes OUT/results/forescale.csv and OUT/results/forescale_time.csv.
"""

import argparse
import io
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

QUANTILES = "0.025,0.1,0.5,0.9,0.975"
WANT = ["q0.025", "q0.1", "q0.5", "q0.9", "q0.975"]


def horizon_arg(g, unit):
    return str(g.horizon) if unit == "steps" else g.horizon_label


def call(binary, train, g, model, unit):
    cmd = [binary, "forecast", "--input", train, "--horizon", horizon_arg(g, unit), "--model", model,
           "--quantiles", QUANTILES, "--format", "csv"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    return cmd, p, secs


def parse(p, g, expect_first):
    """The forecast as a frame with mean and the quantile columns, or an error message."""
    try:
        df = pd.read_csv(io.StringIO(p.stdout))
    except Exception as e:  # noqa: BLE001 - any parse problem is reported, with the output
        return None, f"unreadable CSV on stdout ({e}): {p.stdout[:200]!r}"
    cols = {c.strip(): c for c in df.columns}
    # Quantile columns are matched by value ('q0.5' and 'q0.50' are the same); the median is optional.
    qmap = {}
    for c in cols:
        if c.startswith("q"):
            try:
                qmap[float(c[1:])] = cols[c]
            except ValueError:
                pass
    missing = [c for c in ["timestamp", "mean"] if c not in cols] + \
              [w for w in WANT if float(w[1:]) not in qmap and w != "q0.5"]
    if missing:
        return None, f"columns {missing} missing from header {list(df.columns)}"
    if len(df) != g.horizon:
        return None, f"{len(df)} forecast rows, expected {g.horizon}"
    first = str(df[cols["timestamp"]].iloc[0]).strip()
    if first != expect_first:
        return None, f"first forecast timestamp {first}, expected {expect_first} (the step after the training window)"
    out = pd.DataFrame({"k": np.arange(1, g.horizon + 1), "mean": df[cols["mean"]].astype(float).to_numpy()})
    for w in WANT:
        q = float(w[1:])
        out[w] = df[qmap[q]].astype(float).to_numpy() if q in qmap else np.nan
    return out, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("forescale")
    ap.add_argument("groups")
    ap.add_argument("models")
    ap.add_argument("--horizon-unit", choices=["steps", "duration"], default="steps")
    args = ap.parse_args()

    groups = pd.read_csv(os.path.join(args.out, "groups.csv"))
    groups = groups[groups.group.isin(args.groups.split(","))]
    splits = pd.read_csv(os.path.join(args.out, "splits.csv"))
    jobs = []
    for g in groups.itertuples():
        for sp in splits[(splits.trace == g.trace) & (splits.step == g.step)].itertuples():
            train = os.path.join(args.out, "train", f"{g.trace}_{g.step}", f"{sp.series}_f{sp.fold}.csv")
            jobs.append((g, sp, train))
    if not jobs:
        sys.exit("run_forescale.py: no splits for the selected groups")

    # Probe every model on the smallest job.
    g0, sp0, train0 = min(jobs, key=lambda j: (j[1].origin - j[1].train_start, j[0].horizon))
    models = []
    for model in args.models.split(","):
        cmd, p, _ = call(args.forescale, train0, g0, model, args.horizon_unit)
        res, err = (None, None)
        if p.returncode == 0:
            res, err = parse(p, g0, sp0.origin_time)
        if p.returncode != 0 or err:
            why = err or (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
            if model == "auto":
                print(f"forescale: `{' '.join(cmd)}` failed: {why}\n{p.stderr}", file=sys.stderr)
                sys.exit(1)
            print(f"forescale --model {model}: left out ({why})", file=sys.stderr)
            continue
        models.append(model)

    fc_rows, tm_rows, failures = [], [], []
    for i, (g, sp, train) in enumerate(jobs):
        for model in models:
            cmd, p, secs = call(args.forescale, train, g, model, args.horizon_unit)
            err = None
            if p.returncode != 0:
                err = f"exit {p.returncode}"
            else:
                res, err = parse(p, g, sp.origin_time)
            if err:
                failures.append((cmd, err, p.stderr))
                continue
            res.insert(0, "method", model)
            res.insert(0, "tool", "forescale")
            res.insert(0, "fold", sp.fold)
            res.insert(0, "series", sp.series)
            res.insert(0, "group", g.group)
            fc_rows.append(res)
            # forescale's summary on stderr names the model it fitted:
            # "model    snaive(1440)  (28 ms; fitted on the last 7200 steps)".
            model_line = next((ln.split(None, 1)[1].split("  (")[0] for ln in p.stderr.splitlines()
                               if ln.startswith("model ") and len(ln.split(None, 1)) > 1), "")
            tm_rows.append(dict(group=g.group, series=sp.series, fold=sp.fold, tool="forescale",
                                method=model, seconds=secs, n_train=sp.origin - sp.train_start,
                                model=model_line.strip().replace(",", ";")[:120]))
        if (i + 1) % 20 == 0 or i + 1 == len(jobs):
            print(f"forescale: {i + 1}/{len(jobs)} splits done", file=sys.stderr)

    os.makedirs(os.path.join(args.out, "results"), exist_ok=True)
    if fc_rows:
        pd.concat(fc_rows).to_csv(os.path.join(args.out, "results", "forescale.csv"), index=False)
        pd.DataFrame(tm_rows).to_csv(os.path.join(args.out, "results", "forescale_time.csv"), index=False)
    if failures:
        for cmd, err, stderr in failures[:10]:
            print(f"forescale: `{' '.join(cmd)}` failed: {err}\n{stderr.rstrip()}", file=sys.stderr)
        print(f"forescale: {len(failures)} calls failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
