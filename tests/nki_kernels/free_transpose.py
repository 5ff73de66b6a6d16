"""An NKI 0.1 kernel with strided and broadcast on-chip views, written here for
tests/nki_indexing_test.cpp: a [128, F1, F2] tile (two free dimensions) filled block by block
through nl.ds, its F1 and F2 axes swapped by an nl.copy whose destination index
`i_2 * F1 + i_1` walks the free dimension with strides (as the NKI programming guide's
transpose2d example does), and a [128, 1] column added to every column through
nl.broadcast_to (a stride-0 free pattern).
"""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

F1 = 4


@nki.jit
def free_transpose(a):
    P, F = a.shape
    F2 = F // F1
    out = nl.ndarray((P, F), dtype=a.dtype, buffer=nl.shared_hbm)
    blocks = nl.ndarray((P, F1, F2), dtype=a.dtype, buffer=nl.sbuf)
    for j in nl.affine_range(F1):
        blocks[:, j, :] = nl.load(a[:, nl.ds(j * F2, F2)])
    i_p = nl.arange(P)[:, None, None]
    i_1 = nl.arange(F1)[None, :, None]
    i_2 = nl.arange(F2)[None, None, :]
    swapped = nl.ndarray((P, F), dtype=a.dtype, buffer=nl.sbuf)
    swapped[i_p, i_2 * F1 + i_1] = nl.copy(blocks[i_p, i_1, i_2])
    first = nl.load(a[:, 0:1])
    total = nisa.tensor_tensor(swapped, nl.broadcast_to(first, (P, F)), op=nl.add)
    nl.store(out, value=total)
    return out


def reference(a):
    """numpy: each row's [F1, F2] matrix transposed, plus the row's first element."""
    P, F = a.shape
    return a.reshape(P, F1, F // F1).transpose(0, 2, 1).reshape(P, F) + a[:, :1]


KERNEL = free_transpose
DTYPE = "bfloat16"
INPUT_SHAPES = {"a": (128, 256)}
