"""nisa.iota and nisa.affine_select written here in NKI 0.1 style (not emitted by trnsim): an
index tile from an nl.arange expression, and a causal mask (keep x[p, f] where p >= f, as
attention kernels mask their scores). tests/nki_ops_kernels_test.cpp checks the numpy stand-in
and the simulator against reference() (plain numpy, written apart from the kernel).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def iota_select(x):
    P, F = x.shape
    out = nl.ndarray((P, 3 * F), dtype=x.dtype, buffer=nl.shared_hbm)
    xt = nl.load(x)
    i_p = nl.arange(P)[:, None]
    i_f = nl.arange(F)[None, :]
    nl.store(out[:, 0:F], value=nisa.iota(i_p * F + i_f * 2 - 7, dtype=nl.float32))
    nl.store(out[:, F:2 * F], value=nisa.affine_select(i_p >= i_f, xt, -9984.0))
    nl.store(out[:, 2 * F:3 * F], value=nisa.affine_select(i_f - 2 * i_p < 3, xt, 0.0))
    return out


def reference(x):  # numpy only
    x = np.asarray(x, dtype=np.float64)
    P, F = x.shape
    p, f = np.arange(P)[:, None], np.arange(F)[None, :]
    return np.concatenate([p * F + f * 2 - 7 + 0 * x, np.where(p >= f, x, -9984.0),
                           np.where(f - 2 * p < 3, x, 0.0)], axis=1)


KERNEL = iota_select
DTYPE = "float32"
INPUT_SHAPES = {"x": (128, 64)}
