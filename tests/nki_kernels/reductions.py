"""Reductions written here in NKI 0.1 style (not emitted by trnsim): nl.sum / nl.max / nl.min /
nl.mean over the free axis, nisa.tensor_reduce, and a row softmax that uses the [P, 1] results
as tile operands (x - max, e * 1/sum). tests/nki_ops_kernels_test.cpp checks the numpy
stand-in and the simulator against reference() (plain numpy, written apart from the kernel).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def reductions(x):
    P, F = x.shape
    out = nl.ndarray((P, 6 + F), dtype=x.dtype, buffer=nl.shared_hbm)
    xt = nl.load(x)
    nl.store(out[:, 0:1], value=nl.sum(xt, axis=1))
    nl.store(out[:, 1:2], value=nl.max(xt, axis=1))
    nl.store(out[:, 2:3], value=nl.min(xt, axis=[1]))
    nl.store(out[:, 3:4], value=nl.mean(xt, axis=1))
    nl.store(out[:, 4:5], value=nisa.tensor_reduce(nl.add, xt, axis=(1,)))
    nl.store(out[:, 5:6], value=nisa.tensor_reduce(op=np.max, data=xt, axis=[1]))

    row_max = nl.max(xt, axis=1)
    e = nl.exp(nl.subtract(xt, row_max))
    inv = nl.reciprocal(nl.sum(e, axis=1))
    nl.store(out[:, 6:6 + F], value=e * inv)
    return out


def reference(x):  # numpy only, in float64
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    parts = [x.sum(axis=1, keepdims=True), x.max(axis=1, keepdims=True),
             x.min(axis=1, keepdims=True), x.mean(axis=1, keepdims=True),
             x.sum(axis=1, keepdims=True), x.max(axis=1, keepdims=True),
             e / e.sum(axis=1, keepdims=True)]
    return np.concatenate(parts, axis=1)


KERNEL = reductions
DTYPE = "float32"
INPUT_SHAPES = {"x": (128, 256)}
