"""ctest PythonApi.Simulate: trnsim.simulate (python/trnsim) on the tutorial-style kernel
tests/nki_kernels/matmul_tiled.py, on Debian's /usr/bin/python3 with numpy only. Every expected
number is derived here from numpy, not taken from trnsim's output."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

import trnsim

SOURCE = os.environ["TRNSIM_SOURCE_DIR"]
spec = importlib.util.spec_from_file_location(
    "matmul_tiled", os.path.join(SOURCE, "tests", "nki_kernels", "matmul_tiled.py"))
module = importlib.util.module_from_spec(spec)
sys.modules["matmul_tiled"] = module
spec.loader.exec_module(module)
kernel = module.matmul_tiled

K, M, N = 512, 256, 1024
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def round_to_bf16(x):
    """float32 -> the nearest bfloat16 (ties to even), as float32: keep the top 16 bits."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


# 1. float32 inputs whose products and partial sums are exact in float32 (multiples of 1/8
#    below 2^9): the simulated product equals numpy's exactly.
k, m, n = np.arange(K)[:, None], np.arange(M)[None, :], np.arange(N)[None, :]
lhsT = (((3 * k + m) % 7 - 3) / 4).astype(np.float32)
rhs = (((k + 2 * n) % 5 - 2) / 2).astype(np.float32)
result, summary = trnsim.simulate(kernel, lhsT, rhs)
check(result.dtype == np.float32 and result.shape == (M, N), f"result {result.shape}")
check(np.array_equal(result, lhsT.T @ rhs), "exact float32 product")

# 2. The summary has the keys of `trnsim run --json` (but `replay`: run-nki writes no replay
#    record), and the time of the C++ port of the same kernel (tests/nki_round_trip_test.cpp
#    shows the two programs are equal).
binary = trnsim.find_binary()
direct = json.loads(subprocess.run(
    [binary, "run", "matmul_naive", "--shape", f"M={M},K={K},N={N}", "--dtype", "fp32",
     "--timing-only", "--json"], capture_output=True, text=True, check=True).stdout)
keys = set(direct) - {"replay"}
check(set(summary) == keys, f"summary keys {sorted(set(summary) ^ keys)}")
check(summary["sim_time_ns"] == direct["sim_time_ns"], "sim_time_ns of the C++ port")
check(summary["max_abs_err"] is None, "no reference in matmul_tiled.py: max_abs_err null")

# 3. bfloat16 inputs given as float32: rounded to bf16 as the kernel reads them; the output is
#    one bf16 rounding (2^-8 relative) of an fp32 accumulation of K products (K 2^-24 of their
#    absolute sum) away from numpy's product of the rounded inputs.
rng = np.random.default_rng(3)
a = rng.uniform(-1, 1, (K, M)).astype(np.float32)
b = rng.uniform(-1, 1, (K, N)).astype(np.float32)
simulation = trnsim.simulate(kernel, a, b, dtype="bfloat16")
ra, rb = round_to_bf16(a).astype(np.float64), round_to_bf16(b).astype(np.float64)
expected = ra.T @ rb
bound = (K * 2.0 ** -24 + 2.0 ** -8) * (np.abs(ra).T @ np.abs(rb)).max()
error = np.abs(simulation.result - expected).max()
check(error <= bound, f"bf16 error {error} within {bound}")
check(error > 0, "bf16 rounding is visible (the inputs were rounded, not used as float32)")
check(set(simulation.outputs) == {"result"}, f"outputs {sorted(simulation.outputs)}")

# 4. timing_only: no outputs, the same time; a Perfetto trace where asked; --set overrides
#    name the machine, and a slower HBM (0.05 of peak; trn1.yaml calibrates 0.255) ends later
#    (this matmul is DMA-bound: the DMA is busy most of the run).
perfetto = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"trnsim-api-{os.getpid()}.json")
timing = trnsim.simulate(kernel, a, b, dtype={"lhsT": "bfloat16", "rhs": "bfloat16"},
                         timing_only=True, trace=perfetto)
check(timing.result is None and timing.outputs == {}, "timing_only has no outputs")
check(timing.summary["sim_time_ns"] == simulation.summary["sim_time_ns"], "same time")
with open(perfetto) as f:
    check("traceEvents" in json.load(f), "the Perfetto trace was written")
os.remove(perfetto)
slow = trnsim.simulate(kernel, a, b, dtype="bfloat16", timing_only=True,
                       set={"hbm.efficiency": 0.05})
check(slow.summary["hw"] == "trn1 + hbm.efficiency=0.05", slow.summary["hw"])
check(slow.summary["sim_time_ns"] > timing.summary["sim_time_ns"], "slower HBM, later end")

# 5. An SPMD kernel over a grid of 4 programs, each doubling its 128 rows (exact in float32),
#    checked by the file's own reference(): max_abs_err 0.
spmd_spec = importlib.util.spec_from_file_location(
    "spmd_rows", os.path.join(SOURCE, "tests", "nki_kernels", "spmd_rows.py"))
spmd_rows = importlib.util.module_from_spec(spmd_spec)
sys.modules["spmd_rows"] = spmd_rows
spmd_spec.loader.exec_module(spmd_rows)
x = rng.uniform(-1, 1, (512, 256)).astype(np.float32)
doubled, spmd_summary = trnsim.simulate(spmd_rows.scale_rows, x, grid=4)
check(np.array_equal(doubled, 2 * x), "every program of the grid doubled its rows")
check(spmd_summary["max_abs_err"] == 0 and spmd_summary["max_abs_reference"] == np.abs(2 * x).max(),
      f"spmd max_abs_err {spmd_summary['max_abs_err']}")

# 6. A 3-D input and output (nd_tensors.py: the sums of each row's even and odd columns):
#    float32 sums are rounded as numpy rounds them, so the result equals the file's reference.
nd_spec = importlib.util.spec_from_file_location(
    "nd_tensors", os.path.join(SOURCE, "tests", "nki_kernels", "nd_tensors.py"))
nd_tensors = importlib.util.module_from_spec(nd_spec)
sys.modules["nd_tensors"] = nd_tensors
nd_spec.loader.exec_module(nd_tensors)
x3 = rng.uniform(-1, 1, (2, 256, 512)).astype(np.float32)
sums, nd_summary = trnsim.simulate(nd_tensors.pair_sum, x3)
check(sums.shape == (2, 256, 256), f"3-D result shape {sums.shape}")
check(np.array_equal(sums, x3[:, :, 0::2] + x3[:, :, 1::2]), "3-D sums")
check(nd_summary["max_abs_err"] == 0, f"3-D max_abs_err {nd_summary['max_abs_err']}")

# 7. Refusals: trnsim's one line as a TrnsimError; a missing program names where it looked.
try:
    trnsim.simulate(kernel, a[:128], b)
    check(False, "a contraction mismatch must fail")
except trnsim.TrnsimError as e:
    check(e.exit_code == 1 and "matmul_tiled.py" in str(e) and "AssertionError" in str(e), str(e))
try:
    trnsim.simulate(kernel, a.astype(np.float64), b)
    check(False, "a float64 array without dtype= must be refused")
except TypeError as e:
    check("input 'lhsT': dtype float64" in str(e), str(e))
os.environ["TRNSIM_BINARY"] = "/nonexistent/trnsim"
try:
    trnsim.simulate(kernel, a, b)
    check(False, "a missing binary must fail")
except trnsim.TrnsimError as e:
    check("$TRNSIM_BINARY" in str(e) and "/nonexistent/trnsim" in str(e), str(e))

# 8. A script that calls simulate() on its own kernel at import (outside `if __name__ ==
#    "__main__"`) would be started again by the tracer's import of it: refused, one line.
script = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"trnsim_api_self_{os.getpid()}.py")
with open(script, "w") as f:
    f.write("import trnsim\n" +
            open(os.path.join(SOURCE, "tests", "nki_kernels", "matmul_tiled.py")).read() +
            "\nimport numpy as np\n"
            "trnsim.simulate(matmul_tiled, np.zeros((512, 256), np.float32),"
            " np.zeros((512, 1024), np.float32))\n")
os.environ["TRNSIM_BINARY"] = binary
itself = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=60)
os.remove(script)
check(itself.returncode != 0 and "under `if __name__" in itself.stderr, itself.stderr[-300:])

print("PythonApi.Simulate:", "FAILED" if failures else "passed")
sys.exit(1 if failures else 0)
