"""Mamba selective scan, first schedule of the NKI fused Mamba tutorial (mamba_v1).

Computes, for every batch b, channel c and time step t,
    h[b, c, n, t] = exp(delta[b, c, t] * A[c, n]) * h[b, c, n, t - 1]
                    + delta[b, c, t] * u[b, c, t] * B[b, n, t]        (h[.., -1] = 0)
    out[b, c, t]  = sum over states n of C[b, n, t] * h[b, c, n, t].

Schedule followed: `mamba_v1` of aws-neuron/nki-samples @0898a77 :
src/nki_samples/tutorials/fused_mamba/mamba_nki_kernels.py (lines 18-93), explained in
aws-neuron/aws-neuron-sdk @1db4d74 : nki/tutorials/fused_mamba.rst (lines 113-497). Loops
batch > state > channel tile (128 channels on the partitions, the whole sequence on the free
axis); delta and u are loaded again for every state; per (state, channel tile): one ScalarE
activation exp(A * delta) with A as the per-partition scale, VectorE multiplies delta * u, then
by B, one VectorE tensor_tensor_scan, a multiply by C and an add into an SBUF accumulator that
holds every channel tile of the batch; the accumulator is stored after the state loop.

What differs: the tutorial writes the partition broadcast of the B and C rows as
`row.broadcast_to((128, seq_len))` and leaves its lowering to the compiler. Here it is written
as the instruction that lowering is documented to be, a TensorE matmul of a row of ones with
the row (reference trainium.md §2.2, "Partition broadcast"), at most 512 columns per matmul
(one PSUM bank), and the multiply by B or C reads that PSUM tile, so it is issued per 512
columns (one instruction at seq_len 512, the tutorial's own shape). The accumulator carries
`# trnsim: bufs=1`: it is declared inside the batch loop, where the tracer's default is two
buffers, and the measured rows have batch 1.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def mamba_v1(delta, u, A, B, C):
    """delta, u: [batch, channels, seq]; A: [channels, states]; B, C: [batch, states, seq]."""
    n_batch, channels, seq = delta.shape
    _, states = A.shape
    out = nl.ndarray((n_batch, channels, seq), dtype=delta.dtype, buffer=nl.shared_hbm)

    P = nl.tile_size.pmax                   # channels per tile, on the partitions
    W = nl.tile_size.gemm_moving_fmax       # columns of one broadcast matmul (a PSUM bank)
    assert channels % P == 0 and (seq <= W or seq % W == 0)
    n_tiles, w = channels // P, min(seq, W)

    ones_row = nl.ones((1, P), dtype=delta.dtype)  # stationary of the partition broadcast

    for b in nl.affine_range(n_batch):
        acc = nl.zeros((n_tiles, nl.par_dim(P), seq), dtype=delta.dtype)  # trnsim: bufs=1
        for n in nl.affine_range(states):
            for t in nl.affine_range(n_tiles):
                c0 = t * P
                d = nl.load(delta[b, c0:c0 + P, 0:seq])
                a_col = nl.load(A[c0:c0 + P, n:n + 1])
                decay = nisa.activation(op=nl.exp, data=d, scale=a_col)

                x = nl.load(u[b, c0:c0 + P, 0:seq])
                b_row = nl.load(B[b, n:n + 1, 0:seq])
                du = nisa.tensor_tensor(d, x, op=nl.multiply)
                drive = nl.ndarray((P, seq), dtype=delta.dtype)
                for k in nl.affine_range(seq // w):
                    b_wide = nisa.nc_matmul(ones_row, b_row[0:1, k * w:(k + 1) * w],
                                            is_stationary_onezero=True)
                    drive[0:P, k * w:(k + 1) * w] = nisa.tensor_tensor(
                        du[0:P, k * w:(k + 1) * w], b_wide, op=nl.multiply)

                h = nisa.tensor_tensor_scan(decay, drive, initial=0.0,
                                            op0=np.multiply, op1=np.add)

                c_row = nl.load(C[b, n:n + 1, 0:seq])
                y = nl.ndarray((P, seq), dtype=delta.dtype)
                for k in nl.affine_range(seq // w):
                    c_wide = nisa.nc_matmul(ones_row, c_row[0:1, k * w:(k + 1) * w],
                                            is_stationary_onezero=True)
                    y[0:P, k * w:(k + 1) * w] = nisa.tensor_tensor(
                        h[0:P, k * w:(k + 1) * w], c_wide, op=nl.multiply)
                acc[t, 0:P, 0:seq] += y

        for t in nl.affine_range(n_tiles):
            nl.store(out[b, t * P:(t + 1) * P, 0:seq], value=acc[t, 0:P, 0:seq])
    return out


def reference(delta, u, A, B, C):
    """The recurrence above in float64 numpy, one time step at a time."""
    delta, u, A, B, C = (np.asarray(v, dtype=np.float64) for v in (delta, u, A, B, C))
    decay = np.exp(delta[:, :, None, :] * A[None, :, :, None])        # [b, c, n, t]
    drive = (delta * u)[:, :, None, :] * B[:, None, :, :]              # [b, c, n, t]
    h = np.zeros(decay.shape[:3])
    out = np.zeros(delta.shape)
    for t in range(delta.shape[2]):
        h = decay[..., t] * h + drive[..., t]
        out[..., t] = np.einsum("bcn,bn->bc", h, C[:, :, t])
    return out


KERNEL = mamba_v1
DTYPE = "float32"
INPUT_SHAPES = {"delta": (1, 256, 512), "u": (1, 256, 512), "A": (256, 16),
                "B": (1, 16, 512), "C": (1, 16, 512)}
