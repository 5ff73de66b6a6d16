"""An NKI 0.1 kernel of tile initialisers, written here for tests/nki_cli_test.cpp:
`nl.full` over a tile array with a block dimension, `nl.ones` and `nl.zeros` in SBUF, summed
and stored: out = 3 + 1 + 0 everywhere (x only gives the shape).
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def fills(x):
    out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    threes = nl.full((2, nl.par_dim(128), 512), 3.0, dtype=nl.float32)
    ones = nl.ones((nl.par_dim(128), 512), dtype=nl.float32)
    zeros = nl.zeros((nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)
    total = nl.ndarray((nl.par_dim(128), 512), dtype=nl.float32, buffer=nl.sbuf)
    total[...] = nisa.tensor_tensor(threes[1], ones, nl.add)
    total[...] += zeros
    nl.store(out, value=total)
    return out


def reference(x):
    return np.full(x.shape, 4.0, dtype=np.float32)
