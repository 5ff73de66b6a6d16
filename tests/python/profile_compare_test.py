"""ctest PythonApi.ProfileCompare: scripts/profile_compare.py run as a user would, on a
neuron-profile JSON export written here by hand in the documented format (aws-neuron-sdk
archive/profiler/neuron-profile-user-guide.rst, "JSON") for the tutorial matmul at M=128, K=256,
N=512, against `trnsim run matmul_naive --csv` of the same shape. Every expected measured number
is derived by hand from the rows below; every simulated one is summed here from the CSV file."""
import csv
import json
import os
import subprocess
import sys
import tempfile

SOURCE = os.environ["TRNSIM_SOURCE_DIR"]
BINARY = os.environ["TRNSIM_BINARY"]
SCRIPT = os.path.join(SOURCE, "scripts", "profile_compare.py")
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def near(a, b):
    return a is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b))


def run(*args):
    return subprocess.run(["/usr/bin/python3", SCRIPT, *args], capture_output=True, text=True)


# The kernel: 2 k-steps, each loads an lhsT [128,128] and an rhs [128,512] tile and runs one
# matmul (LoadStationary + MultiplyMoving on hardware), then one PSUM->SBUF copy and one store.
# Rows: label, opcode, start (ns after T0), duration (ns). T0 is a device timestamp as in the
# documented example; two Sync semaphore waits are setup opcodes outside every engine's time.
T0 = 10261883214
ROWS = [("Sync", "EVENT_SEMAPHORE", -200, 150),
        ("qSyncIO0", "DMA_DIRECT2D", 0, 1200), ("qSyncIO0", "DMA_DIRECT2D", 300, 2100),
        ("qSyncIO0", "DMA_DIRECT2D", 2500, 1100), ("qSyncIO0", "DMA_DIRECT2D", 2600, 2000),
        ("Tensor", "LDWEIGHTS", 2450, 64), ("TensorMatrix", "MATMUL", 2520, 380),
        ("Tensor", "LDWEIGHTS", 4650, 64), ("TensorMatrix", "MATMUL", 4720, 380),
        ("Vector", "COPY", 5200, 520),
        ("qSyncIO0", "DMA_DIRECT2D", 5800, 1800),
        ("Sync", "EVENT_SEMAPHORE", 7700, 40)]
profile = {"summary": [{"total_time": 7.9e-6, "event_count": len(ROWS)}],
           "instruction": [{"timestamp": T0 + t, "duration": d, "label": label, "opcode": op,
                            "hlo_name": "", "operands": "", "nki_source_location": "mm.py:20"}
                           for label, op, t, d in ROWS]}

with tempfile.TemporaryDirectory(prefix="trnsim-profile-compare-") as tmp:
    path = lambda name: os.path.join(tmp, name)
    with open(path("profile.json"), "w") as f:
        json.dump(profile, f)
    subprocess.run([BINARY, "run", "matmul_naive", "--shape", "M=128,K=256,N=512",
                    "--timing-only", "--quiet", "--csv", path("sim.csv")],
                   check=True, capture_output=True)

    # The simulated side, summed from the CSV: (engine, opcode) -> [count, total ns]; trnsim's
    # DMA queues qDma<n> are one engine, their instructions one "DMA" group.
    simulated, sim_start = {}, None
    with open(path("sim.csv"), newline="") as f:
        for row in csv.DictReader(f):
            dma = row["engine"].startswith("qDma")
            key = ("DMA", "DMA") if dma else (row["engine"], row["opcode"])
            entry = simulated.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += float(row["end_ns"]) - float(row["start_ns"])
            start = float(row["start_ns"])
            sim_start = start if sim_start is None else min(sim_start, start)
    check(set(simulated) == {("DMA", "DMA"), ("Tensor", "MATMUL"), ("Vector", "TENSOR_COPY")},
          f"the tutorial matmul's instructions {sorted(simulated)}")
    check(simulated.get(("DMA", "DMA"), [0])[0] == 5 and
          simulated.get(("Tensor", "MATMUL"), [0])[0] == 2, "2 k-steps: 4 loads, 1 store, 2 MM")

    # 1. --json and --png: exit 0, nothing on stderr, a PNG file.
    done = run(path("profile.json"), path("sim.csv"), "--json", "--png", path("timelines.png"))
    check(done.returncode == 0 and done.stderr == "", f"exit {done.returncode}: {done.stderr}")
    report = json.loads(done.stdout) if done.returncode == 0 else {}
    with open(path("timelines.png"), "rb") as f:
        png = f.read()
    check(png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10000, f"PNG of {len(png)} B")

    # 2. Per opcode. Measured, from ROWS: DMA 5 rows, 1200+2100+1100+2000+1800 = 8200 ns;
    #    MATMUL 2 x 380 = 760; LDWEIGHTS 2 x 64 = 128 (no trnsim row: inside its MATMUL);
    #    COPY -> trnsim's TENSOR_COPY, 520; EVENT_SEMAPHORE 150+40 = 190 (setup, not simulated).
    opcodes = {(r["engine"], r["opcode"]): r for r in report.get("opcodes", [])}
    expected = {("DMA", "DMA"): (5, 8200.0), ("Tensor", "MATMUL"): (2, 760.0),
                ("Tensor", "LDWEIGHTS"): (2, 128.0), ("Vector", "TENSOR_COPY"): (1, 520.0),
                ("Sync", "EVENT_SEMAPHORE"): (2, 190.0)}
    check(set(opcodes) == set(expected), f"opcode rows {sorted(opcodes)}")
    for key, (count, total) in expected.items():
        row = opcodes.get(key, {})
        m, s = row.get("measured") or {}, row.get("simulated")
        check(m.get("count") == count and near(m.get("total_ns"), total) and
              near(m.get("mean_ns"), total / count), f"{key} measured {m}")
        if key in simulated:
            n, sim_total = simulated[key]
            check(s and s["count"] == n and near(s["total_ns"], sim_total),
                  f"{key} simulated {s} (CSV: {n}, {sim_total})")
            check(near(row.get("ratio"), total / sim_total), f"{key} ratio {row.get('ratio')}")
        else:
            check(s is None and row.get("ratio") is None and row.get("note"), f"{key} {row}")
    check(opcodes.get(("Vector", "TENSOR_COPY"), {}).get("profile_opcodes") == ["COPY"],
          "COPY is named as the profile's opcode")

    # 3. Per engine, measured, times from the first non-setup row (T0 + 0). DMA busy: the union
    #    [0, 2400] + [2500, 4600] + [5800, 7600] = 2400 + 2100 + 1800 = 6300, span 0..7600.
    #    Tensor (rows Tensor and TensorMatrix): 64 + 380 + 64 + 380 = 888, span 2450..5100.
    #    Vector: 520 at 5200. Sync has only setup rows: no engine row.
    engines = {r["engine"]: r for r in report.get("engines", [])}
    check(sorted(engines) == ["DMA", "Tensor", "Vector"], f"engines {sorted(engines)}")
    for name, (n, busy, first, last) in {"DMA": (5, 6300, 0, 7600),
                                         "Tensor": (4, 888, 2450, 5100),
                                         "Vector": (1, 520, 5200, 5720)}.items():
        m = (engines.get(name) or {}).get("measured") or {}
        check(m.get("instructions") == n and near(m.get("busy_ns"), busy) and
              near(m.get("first_ns"), first) and near(m.get("last_ns"), last) and
              near(m.get("span_ns"), last - first), f"{name} measured {m}")
    check(report.get("origin_ns", {}).get("profile") == T0, "profile aligned at T0")
    check(report.get("origin_ns", {}).get("simulation") == sim_start, "simulation at its start")
    check(near(report.get("span_ns", {}).get("measured"), 7600), "measured span 7600 ns")
    check(report.get("profile_total_time_s") == 7.9e-6, "summary total_time in seconds")

    # 4. The text table: exit 0, one row per opcode.
    text = run(path("profile.json"), path("sim.csv"))
    check(text.returncode == 0 and "TENSOR_COPY [COPY]" in text.stdout and
          "LDWEIGHTS" in text.stdout, f"text output: {text.stdout[:200]} {text.stderr}")

    # 5. Bad input: one line on stderr, exit 2, nothing on stdout, no PNG.
    def write(name, content):
        with open(path(name), "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path(name)

    one = lambda **change: {"instruction": [dict(profile["instruction"][1], **change)]}
    missing_duration = {"instruction": [profile["instruction"][1],
                                        {k: v for k, v in profile["instruction"][2].items()
                                         if k != "duration"}]}
    bad = {"not JSON": (write("a.json", "{\"instruction\": [ "), "sim.csv", "not JSON"),
           "no instruction key": (write("b.json", {"summary": profile["summary"]}), "sim.csv",
                                  "no 'instruction'"),
           "missing duration": (write("c.json", missing_duration), "sim.csv",
                                "instruction[1] has no 'duration'"),
           "no instructions": (write("d.json", {"summary": [], "instruction": []}), "sim.csv",
                               "empty"),
           "unknown label": (write("e.json", one(label="TensorEngine")), "sim.csv",
                             "unknown label 'TensorEngine'"),
           "timestamp not a number": (write("f.json", one(timestamp="10261883214")), "sim.csv",
                                      "'timestamp' is \"10261883214\", not a number"),
           "no such profile": (path("absent.json"), "sim.csv", "cannot read"),
           "simulation not a trnsim CSV": (path("profile.json"), write("g.csv", "a,b\n1,2\n"),
                                           "not a `trnsim --csv` file")}
    for what, (profile_path, sim, message) in bad.items():
        png_path = path(f"bad-{len(what)}.png")
        done = run(profile_path, path(sim) if not os.path.isabs(sim) else sim, "--png", png_path)
        lines = done.stderr.splitlines()
        check(done.returncode == 2 and done.stdout == "" and len(lines) == 1 and
              lines[0].startswith("profile_compare: ") and message in lines[0],
              f"{what}: exit {done.returncode}, stderr {done.stderr!r}")
        check(not os.path.exists(png_path) and
              not [n for n in os.listdir(tmp) if n.startswith("tmp")], f"{what}: no file left")

print(f"{len(failures)} failures" if failures else "all checks passed")
sys.exit(1 if failures else 0)
