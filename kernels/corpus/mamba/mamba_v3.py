"""Mamba selective scan, third schedule of the NKI fused Mamba tutorial (mamba_v3).

Computes, for every batch b, channel c and time step t,
    h[b, c, n, t] = exp(delta[b, c, t] * A[c, n]) * h[b, c, n, t - 1]
                    + delta[b, c, t] * u[b, c, t] * B[b, n, t]        (h[.., -1] = 0)
    out[b, c, t]  = sum over states n of C[b, n, t] * h[b, c, n, t].

Schedule followed: `mamba_v3` of aws-neuron/nki-samples @0898a77 :
src/nki_samples/tutorials/fused_mamba/mamba_nki_kernels.py (lines 172-260), explained in
aws-neuron/aws-neuron-sdk @1db4d74 : nki/tutorials/fused_mamba.rst (lines 776-852): mamba_v2's
loops (batch > channel tile > state, delta and u loaded once per channel tile at full length,
a [128, seq_len] accumulator per channel tile) with the sequence tiled by 512 in a new
innermost loop (`static_range`, its iterations in order). Per (state, sequence tile): ScalarE
exp(A * delta) on the tile's columns, B and C loaded for those 512 columns only, VectorE
delta * u, times B, a scan that starts from the last column of the previous tile's scan (a
[128, 1] carry, zeroed per state and copied from the scan result after each tile), times C,
added into the accumulator's columns.

What differs: the partition broadcast of the B and C rows (`row.broadcast_to((128, 512))` in
the tutorial) is written as its documented lowering, a TensorE matmul of a row of ones with
the row (reference trainium.md §2.2, "Partition broadcast"); 512 columns are one PSUM bank,
so each is one matmul, and the VectorE multiply reads the broadcast from PSUM. The carry copy
(`scan_init[...] = scan_res[:, 511]` in the tutorial) is an explicit `nisa.tensor_copy`, on
the engine the hardware config's nki_engine table gives it.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def mamba_v3(delta, u, A, B, C):
    """delta, u: [batch, channels, seq]; A: [channels, states]; B, C: [batch, states, seq]."""
    n_batch, channels, seq = delta.shape
    _, states = A.shape
    out = nl.ndarray((n_batch, channels, seq), dtype=delta.dtype, buffer=nl.shared_hbm)

    P = nl.tile_size.pmax     # channels per tile, on the partitions
    S = 512                   # sequence tile (the tutorial's empirical choice)
    assert channels % P == 0 and seq % S == 0
    n_tiles, n_seq = channels // P, seq // S

    ones_row = nl.ones((1, P), dtype=delta.dtype)  # stationary of the partition broadcast

    for b in nl.affine_range(n_batch):
        for t in nl.affine_range(n_tiles):
            c0 = t * P
            acc = nl.zeros((nl.par_dim(P), seq), dtype=delta.dtype)
            d = nl.load(delta[b, c0:c0 + P, 0:seq])     # kept for every state
            x = nl.load(u[b, c0:c0 + P, 0:seq])

            for n in nl.affine_range(states):
                a_col = nl.load(A[c0:c0 + P, n:n + 1])
                carry = nl.zeros((P, 1), dtype=delta.dtype)   # h before the first column
                for j in nl.static_range(n_seq):
                    s0 = j * S
                    decay = nisa.activation(op=nl.exp, data=d[0:P, s0:s0 + S], scale=a_col)

                    b_row = nl.load(B[b, n:n + 1, s0:s0 + S])
                    du = nisa.tensor_tensor(d[0:P, s0:s0 + S], x[0:P, s0:s0 + S],
                                            op=nl.multiply)
                    b_wide = nisa.nc_matmul(ones_row, b_row, is_stationary_onezero=True)
                    drive = nisa.tensor_tensor(du, b_wide, op=nl.multiply)

                    h = nisa.tensor_tensor_scan(decay, drive, initial=carry,
                                                op0=np.multiply, op1=np.add)
                    carry[...] = nisa.tensor_copy(h[0:P, S - 1:S])

                    c_row = nl.load(C[b, n:n + 1, s0:s0 + S])
                    c_wide = nisa.nc_matmul(ones_row, c_row, is_stationary_onezero=True)
                    y = nisa.tensor_tensor(h, c_wide, op=nl.multiply)
                    acc[0:P, s0:s0 + S] += y

            nl.store(out[b, c0:c0 + P, 0:seq], value=acc[0:P, 0:seq])
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


KERNEL = mamba_v3
DTYPE = "float32"
INPUT_SHAPES = {"delta": (1, 256, 1024), "u": (1, 256, 1024), "A": (256, 4),
                "B": (1, 4, 1024), "C": (1, 4, 1024)}
