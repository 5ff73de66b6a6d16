"""An NKI 0.1 kernel over a 3-D HBM tensor, written here for tests/nki_indexing_test.cpp: each
batch and each 128-row block of x[B, S, D] is loaded twice, its even columns with a stepped
slice under nl.ds and its odd columns with nl.mgrid index arithmetic (both strided DMAs over
HBM), and the two are added into out[B, S, D // 2], stored through an integer and an nl.ds.
"""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def pair_sum(x):
    B, S, D = x.shape
    out = nl.ndarray((B, S, D // 2), dtype=x.dtype, buffer=nl.shared_hbm)
    P = nl.tile_size.pmax
    i_p, i_f = nl.mgrid[0:P, 0:D // 2]
    for b in nl.affine_range(B):
        for s in nl.affine_range(S // P):
            even = nl.load(x[b, nl.ds(s * P, P), 0:D:2])
            odd = nl.load(x[b, s * P + i_p, 2 * i_f + 1])
            total = nisa.tensor_tensor(even, odd, op=nl.add)
            nl.store(out[b, nl.ds(s * P, P), :], value=total)
    return out


def reference(x):
    """numpy: the sum of each row's even and odd columns."""
    return x[:, :, 0::2] + x[:, :, 1::2]


KERNEL = pair_sum
DTYPE = "bfloat16"
INPUT_SHAPES = {"x": (2, 256, 512)}
