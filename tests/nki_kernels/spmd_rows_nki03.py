"""tests/nki_kernels/spmd_rows.py in the `nki` namespace of NKI 0.3 (written here for
tests/nki_namespace_test.cpp): over a grid of G programs, program i doubles rows
[128 i, 128 i + 128) of x into the output, which all programs share; `nl.program_id()` takes
0.3's default axis 0.
"""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def scale_rows_nki03(x):
    rows, cols = x.shape
    out = nl.ndarray((rows, cols), dtype=x.dtype, buffer=nl.shared_hbm)
    i = nl.program_id()
    tile = nl.ndarray((128, cols), dtype=x.dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=tile, src=x[i * 128:(i + 1) * 128, :])
    doubled = nl.ndarray((128, cols), dtype=x.dtype, buffer=nl.sbuf)
    nisa.tensor_scalar(doubled, tile, nl.multiply, 2.0)
    nisa.dma_copy(dst=out[i * 128:(i + 1) * 128, :], src=doubled)
    return out
