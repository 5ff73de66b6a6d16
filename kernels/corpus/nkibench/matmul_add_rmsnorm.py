"""NKIBench fp32 matmul, add, then RMSNorm, out = rmsnorm(x @ w + z) * g, after AccelOpt's
baseline schedule.

Followed: zhang677/AccelOpt @ 47e29a7 : NKIBench/kernels/matmul_add_rmsnorm_M4096_N2048_K2048_0.py
(the schedule) and NKIBench/reference/matmul_add_rmsnorm_M4096_N2048_K2048_numpy_1.py (inputs
as they are: x [M, K], w [K, N], z [M, N], g [N], eps = 1e-5; output [M, N]).

The schedule: for each 128-row tile, x is loaded; for each 512-column block of the output the
K/128 products accumulate in one PSUM bank, each preceded by the Tensor Engine transpose of
its 128 x 128 piece of x (what nl.matmul without transpose_x does), and the bank is copied into
the row's SBUF tile; then z is loaded and added, the sum squared (Scalar Engine), summed along
the row, divided by N, eps added, rsqrt taken (Scalar Engine), the row scaled by it and by g
broadcast over the rows, and the 128 x N tile stored.

What differs from the published file, and why:
- eps is a keyword parameter with its default 1e-5, after the tensors (trnsim's `--arg` gives
  tensors only; the published order is x, w, eps, z, g).
- The published file loads each [128, 512] w tile inside the row loop (32 times in all). Here
  w is loaded once, before the row loop, in the same tiles, and stays in SBUF (128 KiB per
  partition), as the compiler did with the same code in add_rmsnorm_matmul (whose profile
  bytes are exactly w once). The profile here (profile_results.csv, row matmul_add_rmsnorm)
  reads 98,115,584 bytes, 14,155,776 (13.5 MiB) more than every input once plus the identity
  (83,959,808, what this kernel reads): a partial second read of something that this kernel
  does not reproduce (rmsnorm_matmul's profile has the same 13.5 MiB excess over its inputs).
- To fit 128 KiB of w, the per-row tiles have one buffer each (`# trnsim: bufs=1`) and are
  reused in place: the PSUM banks are copied straight into the row tile (the published file
  copies to a tile, then assigns it), the sum with z is written over the row tile, and the
  normalized row over the z tile.
- nl.matmul(x_piece, w_tile) is written as what it does: nc_matmul in transpose mode against an
  identity loaded once from HBM, a copy of the transposed piece to SBUF and nc_matmul; the
  profile's transpose_flops (17,179,869,184 = 2048 transposes of 128 x 128 fp32) is one
  transpose per nl.matmul call, as here. Those copies and the PSUM results go on the Scalar
  Engine: nl.copy leaves the engine to the compiler, and the profile's ScalarE 16.8% / VectorE
  12.4% are about what they give with the copies on ScalarE.
- g broadcast over the 128 partitions (g_tile.broadcast_to) is made once, on the Tensor
  Engine, as the product of a ones row [1, 128] with g [1, N] into PSUM, copied to SBUF: trnsim
  cannot repeat the partition axis of an SBUF tile, and the profile reads g once.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

TM = 128   # rows per tile
TK = 128   # contraction per matmul
TN = 512   # output columns per PSUM bank


@nki.jit
def nkibench_matmul_add_rmsnorm(x_tensor, w_tensor, z_tensor, g_tensor, eps=1e-5):
    M, K = x_tensor.shape
    N = w_tensor.shape[1]
    result = nl.ndarray((M, N), dtype=x_tensor.dtype, buffer=nl.shared_hbm)
    identity = nl.load(nl.shared_constant(np.identity(TM, dtype=np.float32)))

    # g broadcast to all partitions: ones[1, 128]^T @ g[1, N]
    g_row = nl.load(g_tensor)
    ones = nl.ones((1, TM), dtype=x_tensor.dtype, buffer=nl.sbuf)
    g_bcast = nl.ndarray((TM, N), dtype=x_tensor.dtype, buffer=nl.sbuf)
    for c in nl.affine_range(N // TN):
        g_ps = nisa.nc_matmul(ones, g_row[:, c * TN:(c + 1) * TN])
        g_bcast[:, c * TN:(c + 1) * TN] = nisa.tensor_copy(g_ps, engine=nisa.scalar_engine)

    # w, loaded once (see the docstring), in the published [128, 512] tiles
    w_sb = nl.ndarray((N // TN, K // TK, nl.par_dim(TK), TN), dtype=w_tensor.dtype,
                      buffer=nl.sbuf)  # trnsim: bufs=1
    for n in nl.affine_range(N // TN):
        for k in nl.affine_range(K // TK):
            w_sb[n, k, :, :] = nl.load(w_tensor[k * TK:(k + 1) * TK, n * TN:(n + 1) * TN])

    for i in nl.affine_range(M // TM):
        x_tile = nl.ndarray((TM, K), dtype=x_tensor.dtype, buffer=nl.sbuf)  # trnsim: bufs=1
        x_tile[...] = nl.load(x_tensor[i * TM:(i + 1) * TM, :])
        row = nl.ndarray((TM, N), dtype=x_tensor.dtype, buffer=nl.sbuf)  # trnsim: bufs=1
        for n in nl.affine_range(N // TN):
            res_psum = nl.zeros((TM, TN), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // TK):
                tp = nisa.nc_matmul(x_tile[:, k * TK:(k + 1) * TK], identity,
                                    is_moving_onezero=True, is_transpose=True)
                piece_t = nisa.tensor_copy(tp, engine=nisa.scalar_engine)
                res_psum += nisa.nc_matmul(piece_t, w_sb[n, k, :, :])
            row[:, n * TN:(n + 1) * TN] = nisa.tensor_copy(res_psum, engine=nisa.scalar_engine)

        z_tile = nl.ndarray((TM, N), dtype=x_tensor.dtype, buffer=nl.sbuf)  # trnsim: bufs=1
        z_tile[...] = nl.load(z_tensor[i * TM:(i + 1) * TM, :])
        row[...] = nl.add(row, z_tile)
        in_square = nl.ndarray((TM, N), dtype=x_tensor.dtype, buffer=nl.sbuf)  # trnsim: bufs=1
        in_square[...] = nl.square(row)
        square_sum = nl.sum(in_square, axis=[1])
        mean = square_sum / N
        mean = nl.add(mean, eps)
        rms_reciprocal = nl.rsqrt(mean)
        z_tile[...] = nl.multiply(row, rms_reciprocal)
        z_tile[...] = nl.multiply(z_tile, g_bcast)
        nl.store(result[i * TM:(i + 1) * TM, :], value=z_tile)
    return result


KERNEL = nkibench_matmul_add_rmsnorm
# Small test shape: M = 256, K = 512, N = 1024. Measured: x 4096x2048, w 2048x2048,
# z 4096x2048, g 2048.
INPUT_SHAPES = {"x_tensor": (256, 512), "w_tensor": (512, 1024), "z_tensor": (256, 1024),
                "g_tensor": (1024,)}
DTYPE = "float32"


def reference(x_tensor, w_tensor, z_tensor, g_tensor, eps=1e-5):
    y = np.asarray(x_tensor, dtype=np.float64) @ np.asarray(w_tensor, dtype=np.float64)
    y = y + np.asarray(z_tensor, dtype=np.float64)
    rms = np.sqrt(np.mean(y ** 2, axis=-1, keepdims=True) + eps)
    return y * np.asarray(g_tensor, dtype=np.float64) / rms
