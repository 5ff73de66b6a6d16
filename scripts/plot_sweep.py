#!/usr/bin/python3
"""Plots the results of `trnsim sweep SPEC -o RESULTS.jsonl` (issue 12):

  pareto.png       simulated time against one swept hardware key (--x, e.g.
                   sbuf.bytes_per_partition or hbm.efficiency), one series per kernel and
                   shape, the Pareto front (no point both cheaper in the key and faster) drawn
  sensitivity.png  per swept key, how much the time changes from the key's smallest to its
                   largest value with the other keys fixed (the median over kernels, shapes and
                   the other keys' values), as a percentage

usage: scripts/plot_sweep.py RESULTS.jsonl --x KEY [--out DIR]
Failed points are skipped (and counted). Debian's python3 with python3-matplotlib.
"""
import argparse
import collections
import json
import os
import statistics
import sys


def load(path):
    rows, failed = [], 0
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if row.get("error") is not None:
                failed += 1
                continue
            row["values"] = dict(s.split("=", 1) for s in row["set"])
            rows.append(row)
    return rows, failed


def case(row):
    shape = ",".join(f"{k}={v}" for k, v in sorted(row["shape"].items()))
    params = ",".join(f"{k}={v}" for k, v in sorted(row["params"].items()))
    return f"{row['kernel']} {shape}" + (f" {params}" if params else "")


def pareto(points):
    """The points no other point beats in both coordinates (smaller x, smaller time)."""
    front, best = [], float("inf")
    for x, t in sorted(points):
        if t < best:
            front.append((x, t))
            best = t
    return front


def sensitivity(rows, key):
    """Median relative change of the time from the smallest to the largest value of `key`."""
    groups = collections.defaultdict(dict)
    for r in rows:
        others = tuple(sorted((k, v) for k, v in r["values"].items() if k != key))
        groups[(case(r), others)][float(r["values"][key])] = r["sim_time_ns"]
    changes = [100 * (g[max(g)] / g[min(g)] - 1) for g in groups.values() if len(g) > 1]
    return statistics.median(changes) if changes else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--x", required=True, help="the swept hardware key on the x axis")
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    rows, failed = load(args.results)
    if not rows:
        sys.exit(f"plot_sweep: no successful point in {args.results}")
    if args.x not in rows[0]["values"]:
        sys.exit(f"plot_sweep: {args.x} is not a swept key (swept: "
                 f"{', '.join(rows[0]['values'])})")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.out, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    series = collections.defaultdict(list)
    for r in rows:
        series[case(r)].append((float(r["values"][args.x]), r["sim_time_ns"] / 1e3))
    for name, points in sorted(series.items()):
        xs, ts = zip(*sorted(points))
        ax.scatter(xs, ts, s=10, alpha=0.5)
        front = pareto(points)
        front.append((max(xs), front[-1][1]))  # the front holds on to the largest value
        fx, ft = zip(*front)
        ax.step(fx, ft, where="post", label=name)
    ax.set_xlabel(args.x)
    ax.set_ylabel("simulated time (us)")
    ax.set_yscale("log")
    ax.set_title("Pareto fronts: the fastest run for each value of " + args.x)
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "pareto.png"), dpi=120)

    keys = list(rows[0]["values"])
    changes = [sensitivity(rows, k) for k in keys]
    fig, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(keys)))
    ax.barh(keys, changes)
    ax.set_xlabel("time change from the smallest to the largest value (%, median)")
    ax.set_title("Sensitivity of the simulated time")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "sensitivity.png"), dpi=120)
    for k, c in zip(keys, changes):
        print(f"{k}: {c:+.1f}% from its smallest to its largest value (median)")
    print(f"wrote {args.out}/pareto.png, sensitivity.png ({len(rows)} points, {failed} failed)")


if __name__ == "__main__":
    main()
