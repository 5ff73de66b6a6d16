"""An NKI 0.1 kernel that tiles a shape that is not a multiple of the tile, as NKI's own
examples do, written here for tests/nki_indexing_test.cpp: nl.arange index tiles of 128 x 512
over a [300, 700] input, the last row and column tiles clipped by mask= on nl.load, on the
nisa compute call and on nl.store; the kernel is written for at most 512 rows, so the fourth
row tile is masked away entirely and makes no instruction.
"""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

MAX_ROWS = 512


@nki.jit
def scale_rows(a):
    rows, cols = a.shape
    out = nl.ndarray((rows, cols), dtype=a.dtype, buffer=nl.shared_hbm)
    P, F = nl.tile_size.pmax, nl.tile_size.gemm_moving_fmax
    for p in nl.affine_range(MAX_ROWS // P):
        for f in nl.affine_range((cols + F - 1) // F):
            i_p = p * P + nl.arange(P)[:, None]
            i_f = f * F + nl.arange(F)[None, :]
            inside = (i_p < rows) & (i_f < cols)
            tile = nl.load(a[i_p, i_f], mask=inside)
            scaled = nisa.tensor_scalar(tile, nl.multiply, 3.0, mask=inside)
            nl.store(out[i_p, i_f], value=scaled, mask=inside)
    return out


def reference(a):
    """numpy: every element times 3."""
    return a * 3.0


KERNEL = scale_rows
DTYPE = "float32"
INPUT_SHAPES = {"a": (300, 700)}
