"""An NKI 0.1 kernel whose output is NaN where its reference has numbers, written here for
tests/nki_numerics_cli_test.cpp: the log of x on inputs in [-1, 1] is NaN for x < 0, while
reference() takes the log of |x|. run-nki must refuse it rather than report a small error.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def nan_output(x):
    out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    tile = nl.load(x)
    nl.store(out, value=nl.log(tile))
    return out


def reference(x):
    return np.log(np.abs(x))


KERNEL = nan_output
DTYPE = "float32"
INPUT_SHAPES = {"x": (128, 64)}
