"""An NKI 0.3 kernel (the `nki` namespace) written here for tests/nki_namespace_test.cpp: the
element-wise and reduction calls with destination passing, on a partition-first tile with two
free axes. Per 128-row tile of x (R x C): e = exp(x / 2), then the output row is
[2 e | x + e | sum of x and e over the row]. Its parameter has an `nki.typing` annotation.
"""
import nki
import nki.isa as nisa
import nki.language as nl
import nki.typing as nt


@nki.jit
def row_stats_nki03(x: nt.tensor[256, 256]):  # an annotation trnsim accepts, not reads
    rows, cols = x.shape
    out = nl.ndarray((rows, 2 * cols + 1), dtype=x.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range(rows // 128):
        x_tile = nl.load(x[i * 128:(i + 1) * 128, :])
        pair = nl.ndarray((128, 2, cols), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=pair[:, 0, :], src=x_tile)
        nisa.activation(dst=pair[:, 1, :], op=nl.exp, data=x_tile, scale=0.5)
        total = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_reduce(dst=total, op=nl.add, data=pair, axis=(1, 2))
        res = nl.ndarray((128, 2 * cols + 1), dtype=x.dtype, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=res[:, 0:cols], data=pair[:, 1, :], op0=nl.multiply,
                           operand0=2.0)
        nisa.tensor_tensor(dst=res[:, cols:2 * cols], data1=pair[:, 0, :], data2=pair[:, 1, :],
                           op=nl.add)
        nisa.tensor_copy(dst=res[:, 2 * cols:2 * cols + 1], src=total,
                         engine=nisa.engine.gpsimd)
        nl.store(out[i * 128:(i + 1) * 128, :], value=res)
    return out


KERNEL = row_stats_nki03
DTYPE = "bfloat16"
INPUT_SHAPES = {"x": (256, 256)}


def reference(x):
    """The numpy result `trnsim run-nki` compares with (max_abs_err)."""
    import numpy as np

    e = np.exp(0.5 * x)
    return np.concatenate([2 * e, x + e, (x + e).sum(axis=1, keepdims=True)], axis=1)
