"""An NKI 0.1 kernel of the data-movement calls the other test kernels leave out, written here
for tests/nki_cli_test.cpp: `@nki.baremetal` as the entry point, `nl.static_range`,
`nl.load_transpose2d`, `nisa.memset`, `nisa.tensor_tensor` and `nisa.dma_copy` from SBUF to
HBM, in bf16 (a DMA transpose moves 2-byte elements). out[:, 128 j : 128 (j + 1)] =
x[128 j : 128 (j + 1), :]^T + 0 for j = 0, 1.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.baremetal(save_neff_name="moves.neff")
def moves(x):
    out = nl.ndarray((128, 256), dtype=nl.bfloat16, buffer=nl.shared_hbm)
    for j in nl.static_range(2):
        t = nl.ndarray((nl.par_dim(128), 128), dtype=nl.bfloat16, buffer=nl.sbuf)
        t[...] = nl.load_transpose2d(x[j * 128:(j + 1) * 128, :])
        zero = nl.ndarray((nl.par_dim(128), 128), dtype=nl.bfloat16, buffer=nl.sbuf)
        zero[...] = nisa.memset((128, 128), 0.0, nl.bfloat16)
        total = nisa.tensor_tensor(t, zero, nl.add)
        nisa.dma_copy(dst=out[:, j * 128:(j + 1) * 128], src=total)
    return out


def reference(x):
    return np.concatenate([x[0:128].T, x[128:256].T], axis=1)
