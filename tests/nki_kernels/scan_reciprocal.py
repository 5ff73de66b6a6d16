"""nisa.reciprocal, nisa.tensor_tensor_scan (a number and a [P, 1] tile as the initial value)
and nl.loop_reduce written here in NKI 0.1 style (not emitted by trnsim). The first scan is
the linear recurrence h[i] = a[i] * h[i-1] + b[i] of a Mamba-style selective scan.
tests/nki_ops_kernels_test.cpp checks the numpy stand-in and the simulator against reference()
(plain numpy, written apart from the kernel).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def scan_reciprocal(a, b, h0):
    """a: [128, 256] in (0, 1); b: [128, 256]; h0: [128, 1]."""
    P, F = a.shape
    B = 64  # the loop_reduce block
    out = nl.ndarray((P, 3 * F + 2 * B), dtype=a.dtype, buffer=nl.shared_hbm)
    at = nl.ndarray((P, F), dtype=a.dtype, buffer=nl.sbuf)
    at[...] = nl.load(a)
    bt = nl.ndarray((P, F), dtype=b.dtype, buffer=nl.sbuf)
    bt[...] = nl.load(b)
    h0t = nl.load(h0)

    nl.store(out[:, 0:F], value=nisa.reciprocal(at))
    h = nisa.tensor_tensor_scan(at, bt, initial=0.0, op0=nl.multiply, op1=nl.add)
    nl.store(out[:, F:2 * F], value=h)
    running = nisa.tensor_tensor_scan(at, bt, h0t, np.add, nl.maximum)
    nl.store(out[:, 2 * F:3 * F], value=running)

    total = nl.zeros((P, B), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.affine_range(F // B):
        total = nl.loop_reduce(at[:, i * B:(i + 1) * B], op=np.add, loop_indices=[i])
    nl.store(out[:, 3 * F:3 * F + B], value=total)
    peak = nl.zeros((P, B), dtype=nl.float32, buffer=nl.sbuf)
    for i in nl.sequential_range(F // B):
        peak = nl.loop_reduce(bt[:, i * B:(i + 1) * B], op=nl.maximum, loop_indices=[i])
    nl.store(out[:, 3 * F + B:3 * F + 2 * B], value=peak)
    return out


def reference(a, b, h0):  # numpy only, in float64
    a, b, h0 = (np.asarray(x, dtype=np.float64) for x in (a, b, h0))
    P, F = a.shape
    h, running = np.zeros_like(a), np.zeros_like(a)
    prev_h, prev_r = np.zeros(P), h0[:, 0]
    for i in range(F):
        prev_h = a[:, i] * prev_h + b[:, i]
        prev_r = np.maximum(a[:, i] + prev_r, b[:, i])
        h[:, i], running[:, i] = prev_h, prev_r
    blocks = a.reshape(P, F // 64, 64)
    total = blocks.sum(axis=1)
    peak = np.maximum(b.reshape(P, F // 64, 64).max(axis=1), 0.0)  # max with the zeros
    return np.concatenate([1 / a, h, running, total, peak], axis=1)


KERNEL = scan_reciprocal
DTYPE = "float32"
INPUT_SHAPES = {"a": (128, 256), "b": (128, 256), "h0": (128, 1)}
