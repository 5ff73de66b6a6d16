"""A neuron-profile capture against a trnsim run of the same kernel, per engine and per opcode.

    scripts/profile_compare.py PROFILE.json SIM.csv [--png OUT.png] [--json]

PROFILE.json is neuron-profile's JSON export (`neuron-profile view --output-format json
--output-file PROFILE.json -n K.neff -s K.ntff`); SIM.csv is `trnsim run ... --csv SIM.csv` (or
`trnsim run-nki ... --csv`). Needs Debian's /usr/bin/python3 with numpy, and python3-matplotlib
for --png only.

The profile format (sources: NP = aws-neuron-sdk archive/profiler/neuron-profile-user-guide.rst
@ 81ce03ae, "JSON" and "Timeline"; NPK = nki/neuron_profile_for_nki.rst @ 1db4d74e, "View
Neuron Profile output as JSON"; NX = tools/neuron-explorer/profile-schema-reference.rst and
glossary.rst @ 81ce03ae):
  {"summary": [{"total_time": 0.017, ...}],            total_time in seconds (NP: "0.017
                                                        seconds (17 ms)"); optional here
   "instruction": [{"timestamp": 10261883214,          ns (NP: "elapsed nanoseconds")
                    "duration": 148,                    ns
                    "label": "TensorMatrix",            the timeline row
                    "opcode": "MATMUL", ...}, ...]}     other keys (hlo_name, operands,
                                                        nki_source_location) are not read
Every instruction needs timestamp, duration and label; opcode too, except on a DMA queue row.
Where the export puts DMA activity is not documented: rows labelled with a DMA queue name are
read as DMA, other top-level keys are ignored.
"""
import argparse
import csv
import importlib.util
import json
import os
import re
import sys
import tempfile

import numpy as np

__all__ = ["ProfileError", "load_profile", "load_simulation", "compare", "format_text",
           "plot", "main"]

ENGINES = ("DMA", "Tensor", "Vector", "Scalar", "GpSimd")  # trnsim's, sim/isa/stream.cpp

# Profile timeline row -> trnsim engine (None: a row trnsim does not simulate).
#   Tensor, TensorMatrix: one TensorE, split in two rows, LoadStationary (LDWEIGHTS) on Tensor
#     and MultiplyMoving (MATMUL) on TensorMatrix (NP, FAQ "Difference between TensorE and
#     TensorMatrixE Rows").
#   Vector, Scalar, GpSimd, Sync: engine rows (NP "Timeline"; NX: DVE, ACT, POOL, SP engines).
#     trnsim has no Sync (SP) engine: its DMA queues start when their semaphores allow.
#   CC-core...: collective-compute rows (NP "Timeline"); trnsim simulates one core.
#   q<Engine><Kind><n>: DMA queue rows, e.g. qSyncIO0, qSyncSpillReload0, qVectorSpillReload0
#     (nki/deep-dives/nki_perf_guide.rst, nki/guides/tutorials/fused_mamba.rst @ 81ce03ae),
#     qScalarSpillReload0-Q1-E64 (NX DmaPacket.queue_name). All go to trnsim's DMA queues
#     qDma0..15 together: the two sides' queue names do not correspond.
ROWS = {"Tensor": "Tensor", "TensorMatrix": "Tensor", "Vector": "Vector", "Scalar": "Scalar",
        "GpSimd": "GpSimd", "Sync": None}
DMA_ROW = re.compile(r"q[A-Z][A-Za-z]*[0-9]*(-[A-Za-z0-9-]+)?$")
CC_ROW = re.compile(r"CC-core")

# Profile opcode -> trnsim opcode (sim/isa/opcode.cpp), where the names differ. trnsim's names
# are neuron-profile's where they exist, so any other opcode is compared with trnsim's opcode
# of the same name, if there is one.
OPCODES = {
    "SCALAR": "TENSOR_SCALAR",   # NX glossary, "Common instruction opcodes" (Vector)
    "REDUCE": "TENSOR_REDUCE",   # same table
    "COPY": "TENSOR_COPY",       # inferred: nisa.tensor_copy; opcode COPY in trainium.md §8
}
# Profile opcodes with no trnsim instruction of their own, and why.
NOT_SIMULATED = {
    "LDWEIGHTS": "LoadStationary: inside trnsim's MATMUL (sim/cost/engine_cost.h)",
    "ACT_TABLE_LOAD": "activation-table load: not modelled (cost undocumented)",
}
# Setup opcodes, which neuron-profile leaves out of total_exec_time (NX Summary): listed per
# opcode, but not counted in an engine's busy time, span or the alignment.
SETUP = {"NOP", "SET_ORDERING_MODE", "EVENT_SEMAPHORE", "EVENT_SEMAPHORE_RANGE_CLEAR",
         "NOTIFY", "COMPARE_BRANCH", "DRAIN", "WRITE", "TENSOR_LOAD", "MODIFY_POOL_CONFIG"}
SIM_COLUMNS = ("engine", "opcode", "start_ns", "end_ns")


class ProfileError(Exception):
    """Bad input: the message is one line for a person, naming the file and what is wrong."""


class Event:
    """One instruction on a timeline: `engine` is trnsim's (or the profile row when trnsim has
    none), `opcode` trnsim's name, `source` the name in the file; times in ns."""
    __slots__ = ("engine", "opcode", "source", "row", "start", "end", "setup")

    def __init__(self, engine, opcode, source, row, start, end, setup=False):
        self.engine, self.opcode, self.source, self.row = engine, opcode, source, row
        self.start, self.end, self.setup = start, end, setup


def _number(entry, key, where):
    value = entry.get(key)
    if value is None:
        raise ProfileError(f"{where} has no '{key}'")
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond float's range
            pass
    if number is None or not np.isfinite(number):
        raise ProfileError(f"{where}: '{key}' is {json.dumps(value)[:40]}, not a number")
    return number


def _profile_event(entry, where):
    if not isinstance(entry, dict):
        raise ProfileError(f"{where} is not an object")
    label = entry.get("label")
    if not isinstance(label, str):
        raise ProfileError(f"{where} has no 'label' (a string)")
    start, duration = _number(entry, "timestamp", where), _number(entry, "duration", where)
    if duration < 0:
        raise ProfileError(f"{where}: negative duration {duration:g}")
    opcode = entry.get("opcode")
    if DMA_ROW.match(label):
        source = opcode if isinstance(opcode, str) and opcode else "DMA"
        return Event("DMA", "DMA", source, label, start, start + duration)
    if label in ROWS or CC_ROW.match(label):
        if not isinstance(opcode, str) or not opcode:
            raise ProfileError(f"{where} (label {label}) has no 'opcode'")
        return Event(ROWS.get(label) or label, OPCODES.get(opcode, opcode), opcode, label, start,
                     start + duration, setup=opcode in SETUP)
    raise ProfileError(f"{where}: unknown label '{label[:40]}' (known: "
                       f"{', '.join(ROWS)}, CC-core..., DMA queues q<Engine><Kind><n> "
                       "such as qSyncIO0)")


def load_profile(path):
    """(events, summary) of a neuron-profile JSON export; raises ProfileError."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise ProfileError(f"{path}: cannot read: {e.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: not JSON ({str(e).splitlines()[0][:80]})")
    if not isinstance(data, dict) or "instruction" not in data:
        raise ProfileError(f"{path}: no 'instruction' list (not a neuron-profile "
                           "--output-format json export)")
    rows = data["instruction"]
    if not isinstance(rows, list):
        raise ProfileError(f"{path}: 'instruction' is not a list")
    if not rows:
        raise ProfileError(f"{path}: 'instruction' is empty: no instructions to compare")
    events = [_profile_event(e, f"{path}: instruction[{i}]") for i, e in enumerate(rows)]
    if all(e.setup for e in events):
        raise ProfileError(f"{path}: only setup instructions ({', '.join(sorted(SETUP))})")
    summary = data.get("summary")
    summary = summary[0] if isinstance(summary, list) and summary else summary
    return events, summary if isinstance(summary, dict) else {}


def load_simulation(path):
    """Events of a `trnsim ... --csv` file (sim/trace/instruction_csv.h); raises ProfileError."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows, header = list(reader), reader.fieldnames or []
    except OSError as e:
        raise ProfileError(f"{path}: cannot read: {e.strerror}")
    except (csv.Error, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: not a CSV file ({e})")
    missing = [c for c in SIM_COLUMNS if c not in header]
    if missing:
        raise ProfileError(f"{path}: not a `trnsim --csv` file with instructions (no column "
                           f"{', '.join(missing)})")
    events = []
    for line, row in enumerate(rows, start=2):
        stream = row["engine"] or ""
        engine = "DMA" if re.match(r"qDma[0-9]+$", stream) else stream
        if engine not in ENGINES:
            raise ProfileError(f"{path}:{line}: unknown engine '{stream[:40]}'")
        try:
            start, end = float(row["start_ns"]), float(row["end_ns"])
        except (TypeError, ValueError):
            raise ProfileError(f"{path}:{line}: start_ns/end_ns are not numbers")
        if not row["opcode"]:
            raise ProfileError(f"{path}:{line}: no opcode")
        opcode = "DMA" if engine == "DMA" else row["opcode"]
        events.append(Event(engine, opcode, row["opcode"], stream, start, end))
    return events


def _natural(name):
    """Sort key: qDma2 before qDma10."""
    return [] if name is None else [(int(t), "") if t.isdigit() else (-1, t)
                                    for t in re.split(r"([0-9]+)", name) if t]


def busy_ns(intervals):
    """Length of the union of [start, end) intervals."""
    total, reach = 0.0, -np.inf
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _origin(events):
    timed = [e.start for e in events if not e.setup and e.engine in ENGINES]
    return min(timed) if timed else min(e.start for e in events)


def _engine_stats(events, origin):
    out = {}
    for e in events:
        if not e.setup:
            out.setdefault(e.engine, []).append((e.start - origin, e.end - origin))
    return {engine: {"instructions": len(iv), "busy_ns": busy_ns(iv),
                     "first_ns": min(s for s, _ in iv), "last_ns": max(t for _, t in iv),
                     "span_ns": max(t for _, t in iv) - min(s for s, _ in iv)}
            for engine, iv in out.items()}


def _opcode_stats(events):
    out = {}
    for e in events:
        row = out.setdefault((e.engine, e.opcode), {"n": 0, "total_ns": 0.0, "names": set(),
                                                    "setup": e.setup})
        row["n"] += 1
        row["total_ns"] += e.end - e.start
        row["names"].add(e.source)
    return out


def _ratio(a, b):
    return a / b if a is not None and b else None


def compare(profile_events, summary, sim_events):
    """The comparison as a dict (what --json prints): both timelines start at their first
    non-setup instruction on an engine trnsim simulates; ratios are measured / simulated."""
    p0, s0 = _origin(profile_events), _origin(sim_events)
    measured, simulated = _engine_stats(profile_events, p0), _engine_stats(sim_events, s0)
    present = {e.engine for e in profile_events + sim_events}
    order = [e for e in ENGINES if e in present] + sorted(present - set(ENGINES))
    engines = []
    for name in (e for e in order if e in measured or e in simulated):
        m, s = measured.get(name), simulated.get(name)
        engines.append({"engine": name, "measured": m, "simulated": s,
                        "busy_ratio": _ratio(m and m["busy_ns"], s and s["busy_ns"])})
    pm, ps = _opcode_stats(profile_events), _opcode_stats(sim_events)
    opcodes = []
    for key in sorted(set(pm) | set(ps), key=lambda k: (order.index(k[0]), k[1])):
        m, s = pm.get(key), ps.get(key)
        names = sorted(m["names"]) if m else []
        note = ("setup opcode: not simulated, not in busy time" if m and m["setup"] else
                NOT_SIMULATED.get(names[0]) if len(names) == 1 and names[0] in NOT_SIMULATED
                else "engine not simulated" if key[0] not in ENGINES else
                "no such trnsim instruction in this run" if not s else
                "not in the profile" if not m else None)
        side = lambda r: r and {"count": r["n"], "total_ns": r["total_ns"],
                                "mean_ns": r["total_ns"] / r["n"]}
        opcodes.append({"engine": key[0], "opcode": key[1], "profile_opcodes": names,
                        "measured": side(m), "simulated": side(s),
                        "ratio": _ratio(m and m["total_ns"], s and s["total_ns"]),
                        "note": note})
    end = lambda events, t0: max(e.end for e in events if not e.setup) - t0
    total = summary.get("total_time")
    return {"origin_ns": {"profile": p0, "simulation": s0},
            "span_ns": {"measured": end(profile_events, p0), "simulated": end(sim_events, s0)},
            "profile_total_time_s": total if isinstance(total, (int, float)) else None,
            "engines": engines, "opcodes": opcodes}


def _fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def format_text(report):
    span = report["span_ns"]
    lines = ["both timelines start at t = 0 at their first instruction "
             f"(profile timestamp {report['origin_ns']['profile']:.0f} ns)",
             f"span (first start to last end)  measured {_fmt(span['measured'])} ns  "
             f"simulated {_fmt(span['simulated'])} ns  ratio "
             f"{_fmt(_ratio(span['measured'], span['simulated']), 3)}"]
    if report["profile_total_time_s"] is not None:
        lines.append(f"profile summary total_time      {report['profile_total_time_s']:g} s")
    lines += ["", "per engine (busy: union of instruction intervals; ratio: measured / "
              "simulated busy)",
              f"  {'engine':<10}{'n meas':>7}{'busy ns':>12}{'span ns':>12}"
              f"{'n sim':>7}{'busy ns':>12}{'span ns':>12}{'ratio':>8}"]
    for row in report["engines"]:
        m, s = row["measured"] or {}, row["simulated"] or {}
        lines.append(f"  {row['engine']:<10}{m.get('instructions', 0):>7}"
                     f"{_fmt(m.get('busy_ns')):>12}{_fmt(m.get('span_ns')):>12}"
                     f"{s.get('instructions', 0):>7}{_fmt(s.get('busy_ns')):>12}"
                     f"{_fmt(s.get('span_ns')):>12}{_fmt(row['busy_ratio'], 3):>8}")
    lines += ["", "per opcode (trnsim's names; the profile's in brackets where they differ; "
              "ratio: measured / simulated total)",
              f"  {'engine':<10}{'opcode':<28}{'n meas':>7}{'total ns':>12}{'mean ns':>10}"
              f"{'n sim':>7}{'total ns':>12}{'mean ns':>10}{'ratio':>8}  note"]
    for row in report["opcodes"]:
        m, s = row["measured"] or {}, row["simulated"] or {}
        other = [n for n in row["profile_opcodes"] if n != row["opcode"]]
        name = row["opcode"] + (f" [{','.join(other)}]" if other else "")
        lines.append(f"  {row['engine']:<10}{name:<28}{m.get('count', 0):>7}"
                     f"{_fmt(m.get('total_ns')):>12}{_fmt(m.get('mean_ns')):>10}"
                     f"{s.get('count', 0):>7}{_fmt(s.get('total_ns')):>12}"
                     f"{_fmt(s.get('mean_ns')):>10}{_fmt(row['ratio'], 3):>8}  "
                     f"{row['note'] or ''}".rstrip())
    lines.append("  DMA: the profile's rows are queue activity, trnsim's are DMA instructions; "
                 "compare their busy time, not their counts")
    return "\n".join(lines)


def plot(profile_events, sim_events, report, path, titles):
    """Writes a PNG: the profile's timeline above the simulation's, one lane per engine (the
    DMA lane split in one strip per queue), one colour per opcode, a common time axis in
    microseconds. Written whole or not at all."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    lanes = [row["engine"] for row in report["engines"]]
    opcodes = sorted({e.opcode for e in profile_events + sim_events if not e.setup})
    cmap = plt.get_cmap("tab10" if len(opcodes) <= 10 else "tab20")
    colour = {op: cmap(i % cmap.N) for i, op in enumerate(opcodes)}
    figure, axes = plt.subplots(2, 1, sharex=True, figsize=(12, 1.4 + 0.9 * len(lanes)))
    origins = (report["origin_ns"]["profile"], report["origin_ns"]["simulation"])
    for ax, events, t0, title in zip(axes, (profile_events, sim_events), origins, titles):
        bars = {}  # (engine, DMA queue or None, opcode) -> [(start us, duration us)]
        for e in events:
            if not e.setup and e.engine in lanes:
                strip = e.row if e.engine == "DMA" else None
                bars.setdefault((e.engine, strip, e.opcode), []).append(
                    ((e.start - t0) / 1e3, (e.end - e.start) / 1e3))
        names = list(lanes)
        for lane, engine in enumerate(lanes):
            strips = sorted({k[1] for k in bars if k[0] == engine}, key=_natural)
            if engine == "DMA":
                names[lane] = f"DMA ({len(strips)} queue{'s' * (len(strips) != 1)})"
            height = 0.8 / max(len(strips), 1)
            for (lane_engine, strip, op), spans in bars.items():
                if lane_engine == engine:
                    ax.broken_barh(spans, (lane - 0.4 + strips.index(strip) * height,
                                           height * 0.9), facecolors=colour[op],
                                   edgecolors=colour[op], linewidth=0.5, alpha=0.8)
        ax.set_yticks(range(len(lanes)), names)
        ax.set_ylim(len(lanes) - 0.5, -0.5)
        ax.set_title(title, loc="left", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[1].set_xlabel("time since the first instruction (µs); DMA: one strip per queue")
    axes[1].set_xlim(left=0)
    figure.legend(handles=[Patch(color=colour[op], label=op) for op in opcodes],
                  loc="center right", fontsize=8, title="opcode")
    figure.tight_layout(rect=(0, 0, 0.84, 1))
    directory = os.path.dirname(os.path.abspath(path))
    handle, scratch = tempfile.mkstemp(suffix=".png", dir=directory)
    try:
        with os.fdopen(handle, "wb") as f:
            figure.savefig(f, format="png", dpi=110)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(scratch, 0o666 & ~umask)
        os.replace(scratch, path)
    except BaseException:
        os.unlink(scratch)
        raise
    finally:
        plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="profile_compare.py",
        description="A neuron-profile JSON export against a trnsim --csv run of the same kernel.")
    parser.add_argument("profile", help="neuron-profile view --output-format json file")
    parser.add_argument("simulation", help="trnsim run/run-nki --csv file")
    parser.add_argument("--png", help="write the two timelines, profile above simulation")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    args = parser.parse_args(argv)
    try:
        profile_events, summary = load_profile(args.profile)
        sim_events = load_simulation(args.simulation)
        if not sim_events:
            raise ProfileError(f"{args.simulation}: no instructions")
        report = compare(profile_events, summary, sim_events)
        if args.png:
            if not os.path.isdir(os.path.dirname(os.path.abspath(args.png))):
                raise ProfileError(f"{args.png}: its directory does not exist")
            if importlib.util.find_spec("matplotlib") is None:
                raise ProfileError("--png needs matplotlib (Debian: python3-matplotlib)")
            plot(profile_events, sim_events, report, args.png,
                 (f"measured: {os.path.basename(args.profile)} (neuron-profile)",
                  f"simulated: {os.path.basename(args.simulation)} (trnsim)"))
    except ProfileError as e:
        print(f"profile_compare: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=1) if args.json else format_text(report))
    return 0
