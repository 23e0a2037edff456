#!/usr/bin/python3
"""Tabulates bench/simulate results and checks the issue's scaling targets."""
import json
import os
import sys

d = sys.argv[1]
policies = sys.argv[2:]
traces = [line.split("\t") for line in open(os.path.join(d, "traces.tsv")).read().splitlines()]
print(f"\n{'trace':<12} {'policy':<16} {'SLO min':>8} {'drops %':>8} {'resp s':>7} {'util':>5} {'cost':>8} {'vs oracle':>9} {'ups/day':>8}")
ok_all = True
for name, warm_up, description in traces:
    res = {}
    for p in policies:
        path = os.path.join(d, f"{name}.{p}.json")
        if os.path.exists(path) and os.path.getsize(path) > 0:
            res[p] = json.load(open(path))
    oracle = res.get("oracle", {}).get("cost")
    for p, r in res.items():
        rel = f"{r['cost'] / oracle:.3f}" if oracle else ""
        # Scale-ups per scored day: pod churn, which a cheap but restless policy would hide.
        ups = sum(res_['scale_ups'] for res_ in r['resources']) / (r['duration_hours'] / 24)
        print(f"{name:<12} {p:<16} {r['slo_violation_minutes']:>8} {100 * r['drop_fraction']:>8.4f} "
              f"{r['response_time_mean_seconds']:>7.0f} {r['utilisation']:>5.2f} {r['cost']:>8.2f} {rel:>9} {ups:>8.0f}")
    if "predictive" in res and "hpa" in res and oracle:
        p, h = res["predictive"], res["hpa"]
        fewer = h["slo_violation_minutes"] == 0 and p["slo_violation_minutes"] == 0 or \
            p["slo_violation_minutes"] <= 0.5 * h["slo_violation_minutes"]
        cheaper = p["cost"] <= h["cost"]
        near = p["cost"] <= 1.15 * oracle
        ok = fewer and cheaper and near
        ok_all &= ok
        cut = 1 - p["slo_violation_minutes"] / h["slo_violation_minutes"] if h["slo_violation_minutes"] else 0
        print(f"{name:<12} predictive vs hpa: SLO minutes {p['slo_violation_minutes']} vs {h['slo_violation_minutes']} "
              f"({100 * cut:.0f} % fewer, target >= 50 %), cost {p['cost'] / h['cost']:.3f}x hpa (target <= 1), "
              f"{p['cost'] / oracle:.3f}x oracle (target <= 1.15): {'met' if ok else 'MISSED'}")
print(f"\nscaling targets: {'met on every trace' if ok_all else 'missed on some trace (see above)'}")
