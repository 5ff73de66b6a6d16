"""Runs tests/nki_kernels/matmul_tiled_nki03.py (the `nki` 0.2/0.3 namespace) on the numpy
stand-in and checks it, exiting 1 with what differs:

1. against numpy: lhsT.T @ rhs in float64, within a bound derived here per element (the fp32
   sum of K products, then one rounding to bf16);
2. against its NKI 0.1 twin tests/nki_kernels/matmul_tiled.py on the same inputs: the same
   result, bit for bit (the same products summed in the same order: the twin adds the first one
   to a zeroed PSUM tile, the 0.3 kernel overwrites with it), and the same operations; and
   matmul_hoisted_nki03.py and matmul_fully_optimized_nki03.py (lists of tiles) likewise
   against their twins;
3. the same with `accumulate=(k > 0)` written out, and `accumulate=True` on the first matmul
   refused (undefined in NKI);
4. tests/nki_kernels/row_stats_nki03.py (element-wise and reduction calls) against numpy.

usage: PYTHONPATH=python /usr/bin/python3 tests/nki_namespace_numerics.py
"""
import collections
import importlib.util
import os
import sys

import numpy as np

import trnsim_nki

trnsim_nki.use("numerics")
from neuronxcc.nki import _runtime  # noqa: E402

KERNELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nki_kernels")


def load(path, text=None):
    """The kernel file as a module; `text` replaces its source (a variant of it)."""
    name = f"kernel_{len(sys.modules)}"
    if text is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    module = type(sys)(name)
    exec(compile(text, path, "exec"), module.__dict__)
    return module


def run(module, lhsT, rhs):
    """The kernel's output and the operations it recorded."""
    _runtime.OPERATIONS.clear()
    dtype = _runtime.DType(module.DTYPE)
    out = module.KERNEL(_runtime.Tile(lhsT.copy(), dtype, "hbm"),
                        _runtime.Tile(rhs.copy(), dtype, "hbm"))
    return out.values.copy(), collections.Counter(_runtime.OPERATIONS)


def main():
    failures = []
    path03 = os.path.join(KERNELS, "matmul_tiled_nki03.py")
    kernel03, kernel01 = load(path03), load(os.path.join(KERNELS, "matmul_tiled.py"))
    (K, M), (_, N) = kernel03.INPUT_SHAPES["lhsT"], kernel03.INPUT_SHAPES["rhs"]
    bf16 = _runtime.DType("bfloat16")
    rng = np.random.default_rng(9)
    lhsT = _runtime.round_to(bf16, rng.uniform(-1, 1, (K, M)))
    rhs = _runtime.round_to(bf16, rng.uniform(-1, 1, (K, N)))
    got, ops03 = run(kernel03, lhsT, rhs)

    # 1. numpy. fp32 summation of K products (exact in fp32: bf16 x bf16 has 16 significant
    #    bits) errs by at most K * 2^-24 * sum |a b|; rounding to bf16 (8 significant bits) by
    #    2^-8 of the value.
    exact = lhsT.astype(np.float64).T @ rhs.astype(np.float64)
    bound = 2.0 ** -8 * np.abs(exact) * (1 + 2.0 ** -7) + \
        K * 2.0 ** -24 * (np.abs(lhsT).T.astype(np.float64) @ np.abs(rhs)) * 1.01
    err = np.abs(got - exact)
    if not np.all(err <= bound):
        failures.append(f"vs numpy: max |err| {err.max()} beyond the bound")
    print(f"max_abs_err {err.max():.6g} (max |ref| {np.abs(exact).max():.6g})")

    # 2. the NKI 0.1 twin; and matmul_hoisted_nki03.py (lists of tiles) against its twin.
    twin, ops01 = run(kernel01, lhsT, rhs)
    if not np.array_equal(got, twin):
        failures.append(f"vs the 0.1 twin: max |diff| {np.abs(got - twin).max()}")
    if ops03 != ops01:
        failures.append(f"operations {dict(ops03)} != the 0.1 twin's {dict(ops01)}")
    #    The fully optimized kernel adds its 2 K blocks' sums in a bf16 SBUF tile: 2 roundings
    #    of running sums, each within 2^-8 of sum |a b| (tests/kernel_cases.h's matmul bound).
    #    The 0.1 numpy stand-in records no operation for its nl.zeros and SBUF `+=`, so only the
    #    hoisted kernel's operations are compared.
    magnitude = np.abs(lhsT).T.astype(np.float64) @ np.abs(rhs)
    for name, roundings in (("matmul_hoisted", 1), ("matmul_fully_optimized", 2)):
        out03, ops_03 = run(load(os.path.join(KERNELS, name + "_nki03.py")), lhsT, rhs)
        out01, ops_01 = run(load(os.path.join(KERNELS, name + ".py")), lhsT, rhs)
        if not np.array_equal(out03, out01):
            failures.append(f"{name}_nki03 differs from its 0.1 twin")
        if not np.all(np.abs(out03 - exact) <= (K * 2.0 ** -24 + roundings * 2.0 ** -8) *
                      magnitude * 1.01):
            failures.append(f"{name}_nki03 vs numpy: beyond the bound")
        if name == "matmul_hoisted" and ops_03 != ops_01:
            failures.append(f"operations {dict(ops_03)} != {name}'s {dict(ops_01)}")

    # 3. accumulate= written out.
    source = open(path03).read()
    call = "nisa.nc_matmul(res_psum, stationary=lhsT_tile, moving=rhs_tile"
    assert call in source
    explicit, _ = run(load(path03, source.replace(call, call + ", accumulate=(k > 0)")), lhsT,
                      rhs)
    if not np.array_equal(explicit, got):
        failures.append("accumulate=(k > 0) differs from the default")
    try:
        run(load(path03, source.replace(call, call + ", accumulate=True")), lhsT, rhs)
        failures.append("accumulate=True on a fresh PSUM tile was not refused")
    except NotImplementedError as e:
        print(f"refused as expected: {e}")

    # 4. tests/nki_kernels/row_stats_nki03.py against numpy: [2 e | x + e | row sum of x and
    #    e], e = exp(x / 2), each a fp32 value (exp within an ulp, a sum of k terms within
    #    k * 2^-24 of the sum of their magnitudes) rounded once to bf16 (2^-8 of the value).
    stats = load(os.path.join(KERNELS, "row_stats_nki03.py"))
    x = _runtime.round_to(bf16, rng.uniform(-1, 1, stats.INPUT_SHAPES["x"]))
    _runtime.OPERATIONS.clear()
    got = stats.KERNEL(_runtime.Tile(x.copy(), bf16, "hbm")).values
    e = np.exp(0.5 * x.astype(np.float64))
    ref = np.concatenate([2 * e, x + e, (x + e).sum(axis=1, keepdims=True)], axis=1)
    magnitude = np.concatenate([2 * e, np.abs(x) + e,
                                (np.abs(x) + e).sum(axis=1, keepdims=True)], axis=1)
    terms = np.concatenate([np.full(e.shape, 1), np.full(e.shape, 2),
                            np.full((e.shape[0], 1), 2 * e.shape[1])], axis=1)
    bound = 2.0 ** -8 * np.abs(ref) * (1 + 2.0 ** -7) + \
        (terms + 2) * 2.0 ** -24 * magnitude * 1.01
    err = np.abs(got - ref)
    if not np.all(err <= bound):
        bad = [tuple(b) for b in np.argwhere(err > bound)[:3]]
        failures.append(f"row_stats_nki03 vs numpy: beyond the bound at (row, col, got, ref) "
                        f"{[(*b, got[b], ref[b]) for b in bad]}")
    print(f"row_stats_nki03 max_abs_err {err.max():.6g}")

    for f in failures:
        print(f"FAIL: {f}")
    sys.exit(1 if failures else 0)


main()
