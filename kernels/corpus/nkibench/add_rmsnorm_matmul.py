"""NKIBench fp32 add, RMSNorm, then matmul, out = rmsnorm(x + z) * g @ w, after AccelOpt's
baseline schedule.

Followed: zhang677/AccelOpt @ 47e29a7 : NKIBench/kernels/add_rmsnorm_matmul_M4096_N2048_K1024_0.py
(the schedule) and NKIBench/reference/add_rmsnorm_matmul_M4096_N2048_K1024_numpy_1.py (inputs
as they are: x [M, K], w [K, N], z [M, K], g [K], eps = 1e-5; output [M, N]).

The schedule: for each 128-row tile, x and z are loaded and added, the sum squared (Scalar
Engine), summed along the row, divided by K, eps added, rsqrt taken (Scalar Engine), the sum
scaled by it and by g broadcast over the rows; then for each 512-column block of the output the
K/128 products accumulate in one PSUM bank, each preceded by the Tensor Engine transpose of its
128 x 128 piece of the normalized tile (what nl.matmul without transpose_x does), and the bank
is copied to SBUF and stored.

What differs from the published file, and why:
- eps is a keyword parameter with its default 1e-5, after the tensors (trnsim's `--arg` gives
  tensors only; the published order is x, w, eps, z, g).
- The published file loads each [128, 512] w tile inside the row loop. The profile
  (profile_results.csv, row add_rmsnorm_matmul) reads 42,012,672 HBM bytes = x + z + w + g +
  a 128 x 128 fp32 identity, exactly: the compiler loaded w once. Here w is loaded once, before
  the row loop, in the same [128, 512] tiles, and stays in SBUF (64 KiB per partition).
- nl.matmul(x_piece, w_tile) is written as what it does: nc_matmul in transpose mode against an
  identity loaded once from HBM (the 64 KiB above), a copy of the transposed piece to SBUF and
  nc_matmul. The profile's transpose_flops (8,589,934,592 = 1024 transposes of 128 x 128 fp32)
  shows one transpose per nl.matmul call, as here. The copies (those and the PSUM results) are
  on the Scalar Engine: nl.copy leaves the engine to the compiler, and the profile's ScalarE
  22.5% / VectorE 14.8% are about what they give with the copies on ScalarE.
- g broadcast over the 128 partitions (g_tile.broadcast_to) is made once, on the Tensor
  Engine, as the product of a ones row [1, 128] with g [1, K] into PSUM, copied to SBUF: trnsim
  cannot repeat the partition axis of an SBUF tile, and the profile reads g from HBM once
  (4,096 bytes), so the broadcast was made on chip.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

TM = 128   # rows per tile
TK = 128   # contraction per matmul
TN = 512   # output columns per PSUM bank


@nki.jit
def nkibench_add_rmsnorm_matmul(x_tensor, w_tensor, z_tensor, g_tensor, eps=1e-5):
    M, K = x_tensor.shape
    N = w_tensor.shape[1]
    result = nl.ndarray((M, N), dtype=x_tensor.dtype, buffer=nl.shared_hbm)
    identity = nl.load(nl.shared_constant(np.identity(TM, dtype=np.float32)))

    # g broadcast to all partitions: ones[1, 128]^T @ g[1, K]
    g_row = nl.load(g_tensor)
    ones = nl.ones((1, TM), dtype=x_tensor.dtype, buffer=nl.sbuf)
    g_bcast = nl.ndarray((TM, K), dtype=x_tensor.dtype, buffer=nl.sbuf)
    for c in nl.affine_range(K // TN):
        g_ps = nisa.nc_matmul(ones, g_row[:, c * TN:(c + 1) * TN])
        g_bcast[:, c * TN:(c + 1) * TN] = nisa.tensor_copy(g_ps, engine=nisa.scalar_engine)

    # w, loaded once (see the docstring), in the published [128, 512] tiles
    w_sb = nl.ndarray((N // TN, K // TK, nl.par_dim(TK), TN), dtype=w_tensor.dtype,
                      buffer=nl.sbuf)  # trnsim: bufs=1
    for n in nl.affine_range(N // TN):
        for k in nl.affine_range(K // TK):
            w_sb[n, k, :, :] = nl.load(w_tensor[k * TK:(k + 1) * TK, n * TN:(n + 1) * TN])

    for i in nl.affine_range(M // TM):
        x_tile = nl.load(x_tensor[i * TM:(i + 1) * TM, :])
        z_tile = nl.load(z_tensor[i * TM:(i + 1) * TM, :])
        a_tile = nl.add(x_tile, z_tile)
        in_square = nl.square(a_tile)
        square_sum = nl.sum(in_square, axis=[1])
        mean = square_sum / K
        mean = nl.add(mean, eps)
        rms_reciprocal = nl.rsqrt(mean)
        normed = nl.multiply(a_tile, rms_reciprocal)
        normed[...] = nl.multiply(normed, g_bcast)

        for n in nl.affine_range(N // TN):
            res_psum = nl.zeros((TM, TN), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // TK):
                tp = nisa.nc_matmul(normed[:, k * TK:(k + 1) * TK], identity,
                                    is_moving_onezero=True, is_transpose=True)
                piece_t = nisa.tensor_copy(tp, engine=nisa.scalar_engine)
                res_psum += nisa.nc_matmul(piece_t, w_sb[n, k, :, :])
            res_sb = nisa.tensor_copy(res_psum, engine=nisa.scalar_engine)
            nl.store(result[i * TM:(i + 1) * TM, n * TN:(n + 1) * TN], value=res_sb)
    return result


KERNEL = nkibench_add_rmsnorm_matmul
# Small test shape: M = 256, K = 512, N = 1024. Measured: x, z 4096x1024, w 1024x2048, g 1024.
INPUT_SHAPES = {"x_tensor": (256, 512), "w_tensor": (512, 1024), "z_tensor": (256, 512),
                "g_tensor": (512,)}
DTYPE = "float32"


def reference(x_tensor, w_tensor, z_tensor, g_tensor, eps=1e-5):
    y = np.asarray(x_tensor, dtype=np.float64) + np.asarray(z_tensor, dtype=np.float64)
    t = np.sum(np.square(y) / y.shape[-1], axis=-1, keepdims=True) + eps
    y = y / np.sqrt(t) * np.asarray(g_tensor, dtype=np.float64)
    return y @ np.asarray(w_tensor, dtype=np.float64)
