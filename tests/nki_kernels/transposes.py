"""NKI 0.1 kernels of the Tensor Engine's transposes, written here for tests/nki_cli_test.cpp:
`nl.matmul` without `transpose_x` (the PE transposes x first), `nl.transpose`, and
`nisa.nc_matmul(..., is_transpose=True)` against an identity. Each has its numpy reference.
x is [128, 128], y [128, 512], ident the [128, 128] identity; all float32.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def matmul_untransposed(x, y):
    out = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.shared_hbm)
    xs = nl.load(x)
    ys = nl.load(y)
    product = nl.matmul(xs, ys)  # x @ y: x [M, K] is transposed on the PE first
    nl.store(out, value=nl.copy(product, dtype=nl.float32))
    return out


def matmul_untransposed_reference(x, y):
    return x @ y


@nki.jit
def transpose_two_ways(x, ident):
    out = nl.ndarray((128, 256), dtype=nl.float32, buffer=nl.shared_hbm)
    xs = nl.load(x)
    ones = nl.load(ident)
    by_nl = nl.transpose(xs)
    by_matmul = nisa.nc_matmul(xs, ones, is_transpose=True)
    nl.store(out[:, 0:128], value=nl.copy(by_nl, dtype=nl.float32))
    nl.store(out[:, 128:256], value=nl.copy(by_matmul, dtype=nl.float32))
    return out


def transpose_two_ways_reference(x, ident):
    return np.concatenate([x.T, x.T], axis=1)
