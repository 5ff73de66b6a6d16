"""nl.shared_constant written here in NKI 0.1 style (not emitted by trnsim): a numpy array of
the kernel file becomes a read-only HBM tensor the kernel loads like an input (a per-element
scale and a per-partition bias here). tests/nki_ops_kernels_test.cpp checks the numpy stand-in
and the simulator against reference() (plain numpy, written apart from the kernel).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl

SCALE = (np.arange(128 * 64, dtype=np.float32).reshape(128, 64) % 7) / 4.0 - 0.5
BIAS = np.linspace(-1.0, 1.0, 128, dtype=np.float32).reshape(128, 1)


@nki.jit
def shared_constant(x):
    out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
    scale = nl.shared_constant(SCALE, dtype=nl.float32)
    bias = nl.shared_constant(BIAS)
    xt = nl.load(x)
    st = nl.load(scale)
    bt = nl.load(bias)
    nl.store(out, value=xt * st + bt)
    return out


def reference(x):  # numpy only
    return np.asarray(x, dtype=np.float64) * SCALE + BIAS


KERNEL = shared_constant
DTYPE = "float32"
INPUT_SHAPES = {"x": (128, 64)}
