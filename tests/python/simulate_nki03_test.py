"""NkiNamespace.ThePythonApiSimulatesAnNki03Kernel (tests/nki_namespace_test.cpp):
trnsim.simulate (python/trnsim) on tests/nki_kernels/matmul_tiled_nki03.py (the `nki` namespace
of NKI 0.3), on Debian's /usr/bin/python3 with numpy only. Its 0.1 twin matmul_tiled.py is the
same program (NkiNamespace.TheNki03TiledMatmulGivesTheProgramOfItsNki01Twin), so on the same
inputs both give the same result, bit for bit, and the same time; the result is lhsT.T @ rhs
as derived below. Prints the simulated time; exits 1 with what differs.
"""
import importlib.util
import os
import sys

import numpy as np

import trnsim

KERNELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "nki_kernels")


def kernel(file, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(KERNELS, file))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


K, M, N = 256, 128, 512
rng = np.random.default_rng(3)
# Multiples of 1/4 in [-1, 1] (exact in bf16): every product is a multiple of 1/16, every sum
# of 256 of them too and below 256 in size, so fp32 accumulates exactly; a sum below 16 in size
# needs at most 8 significant bits and bf16 holds it exactly (most do: their spread is about
# 7). Those must equal numpy's product exactly; the others are one bf16 rounding of it.
lhsT = rng.integers(-4, 5, (K, M)).astype(np.float32) / 4
rhs = rng.integers(-4, 5, (K, N)).astype(np.float32) / 4
result03, summary03 = trnsim.simulate(kernel("matmul_tiled_nki03.py", "matmul_tiled_nki03"),
                                      lhsT, rhs, dtype="bfloat16")
result01, summary01 = trnsim.simulate(kernel("matmul_tiled.py", "matmul_tiled"), lhsT, rhs,
                                      dtype="bfloat16")
failures = []
if not np.array_equal(result03, result01):
    failures.append("the result differs from the 0.1 twin's")
if summary03["sim_time_ns"] != summary01["sim_time_ns"]:
    failures.append(f"time {summary03['sim_time_ns']} != the twin's {summary01['sim_time_ns']}")
exact = lhsT.astype(np.float64).T @ rhs.astype(np.float64)
held = np.abs(exact) < 16
if not np.array_equal(result03[held], exact[held]):
    failures.append("a result below 16 in size is not lhsT.T @ rhs exactly")
if not np.all(np.abs(result03 - exact) <= np.abs(exact) / 256):
    failures.append("a result is more than one bf16 rounding from lhsT.T @ rhs")
if held.mean() < 0.5:
    failures.append(f"only {held.mean():.0%} of the results are below 16 in size")
for f in failures:
    print("FAIL:", f)
print(summary03["sim_time_ns"])
sys.exit(1 if failures else 0)
