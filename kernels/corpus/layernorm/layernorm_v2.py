"""LayerNorm of a 2-D tensor with the Vector Engine's statistics instructions: our NKI 0.1
kernel after the schedule of version 2 of the NKI LayerNorm tutorial (aws-neuron/nki-samples
@0898a77 : src/nki_samples/tutorials/layernorm/layernorm_nki_kernel.py,
nki_layernorm_kernel_v2; the tutorial text and its trn1 timing: aws-neuron/aws-neuron-sdk
@1db4d74 : nki/tutorials/layernorm.rst).

y[r, :] = (x[r, :] - mean(x[r, :])) / sqrt(var(x[r, :]) + epsilon) * gamma + beta.

The schedule kept: gamma and beta loaded once and repeated over the 128 partitions (as in
version 1); one loop over row tiles of 128 rows, the last masked, each loading whole rows;
per tile, one nisa.bn_stats per nl.tile_size.bn_stats_fmax (512) columns (the last one masked
to the columns left) into one [128, 6 * k] statistics tile, one nisa.bn_aggr of it giving
(mean, variance), rsqrt(variance + epsilon), the shift and the scale fused into one
two-op nisa.tensor_scalar ((x - mean) * rsqrt), then the multiply by gamma and the add of beta
as two full-tile operations and one store.

What differs: as in layernorm_v1.py, gamma and beta are repeated over the partitions by a
Tensor Engine matmul of ones (on_every_partition, the same in both files) instead of the
tutorial's `.broadcast_to` of an SBUF tile, and epsilon is a keyword parameter (1e-5).
"""
import math

import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


def on_every_partition(vector):
    """A [128, N] SBUF tile whose every partition holds the 1-D HBM `vector` of N (as in
    layernorm_v1.py): one partition loaded, repeated by a Tensor Engine matmul of ones[1, 128]
    with it (512 columns at a time), copied back to SBUF."""
    n = vector.shape[0]
    pmax, width = nl.tile_size.pmax, nl.tile_size.gemm_moving_fmax
    row = nl.load(vector[nl.arange(n)[None, :]])
    ones = nl.ones((1, pmax), dtype=nl.float32)
    repeated = nl.ndarray((pmax, n), dtype=vector.dtype)
    for c in range(math.ceil(n / width)):
        lo, hi = c * width, min(n, (c + 1) * width)
        spread = nl.ndarray((pmax, width), dtype=nl.float32, buffer=nl.psum)  # one bank
        spread[:, 0:hi - lo] = nisa.nc_matmul(ones, row[:, lo:hi])
        repeated[:, lo:hi] = nisa.tensor_copy(spread[:, 0:hi - lo])
    return repeated


@nki.jit
def layernorm_v2(input_tensor, gamma_vector, beta_vector, epsilon=1e-5):
    rows, cols = input_tensor.shape
    assert gamma_vector.shape[0] == cols and beta_vector.shape[0] == cols
    out = nl.ndarray((rows, cols), dtype=input_tensor.dtype, buffer=nl.shared_hbm)

    pmax, chunk = nl.tile_size.pmax, nl.tile_size.bn_stats_fmax
    p_idx = nl.arange(pmax)[:, None]
    f_idx = nl.arange(cols)[None, :]
    gamma_all = on_every_partition(gamma_vector)
    beta_all = on_every_partition(beta_vector)

    chunks = math.ceil(cols / chunk)
    c_idx = nl.arange(chunk)[None, :]
    s_idx = nl.arange(6)[None, :]
    for t in nl.affine_range(math.ceil(rows / pmax)):
        row = t * pmax + p_idx
        x = nl.load(input_tensor[row, f_idx], mask=(row < rows))

        # Six statistics per bn_stats, side by side, then one aggregation of all of them.
        stats = nl.ndarray((pmax, 6 * chunks), dtype=nl.float32)
        for c in nl.affine_range(chunks):
            stats[p_idx, c * 6 + s_idx] = nisa.bn_stats(
                x[p_idx, c * chunk + c_idx], mask=(c * chunk + c_idx < cols), dtype=nl.float32)
        moments = nisa.bn_aggr(stats)
        mu = moments[:, 0:1]
        inv_std = nl.rsqrt(moments[:, 1:2] + epsilon)

        normalized = nisa.tensor_scalar(data=x, op0=np.subtract, operand0=mu,
                                        op1=np.multiply, operand1=inv_std)
        y = normalized * gamma_all + beta_all

        nl.store(out[row, f_idx], value=y, mask=(row < rows))
    return out


def reference(input_tensor, gamma_vector, beta_vector, epsilon=1e-5):
    """numpy, in float64: LayerNorm over the last axis with the population variance."""
    x = np.asarray(input_tensor, dtype=np.float64)
    normalized = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) +
                                                               epsilon)
    return normalized * np.asarray(gamma_vector, np.float64) + np.asarray(beta_vector,
                                                                           np.float64)


KERNEL = layernorm_v2
DTYPE = "float32"
# Two row tiles, the second masked (200 = 128 + 72); two bn_stats, the second masked (600 =
# 512 + 88).
INPUT_SHAPES = {"input_tensor": (200, 600), "gamma_vector": (600,), "beta_vector": (600,)}
