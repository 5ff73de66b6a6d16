"""NKIBench fp32 RMSNorm then matmul, out = (x / sqrt(mean(x^2, rows))) @ w, after AccelOpt's
baseline schedule.

Followed: zhang677/AccelOpt @ 47e29a7 : NKIBench/kernels/rmsnorm_matmul_M4096_N2048_K1024_0.py
(the schedule) and NKIBench/reference/rmsnorm_matmul_M4096_N2048_K1024_numpy_1.py (inputs: x
[M, K] reshaped to (M/128, 128, K), w [K, N] to (K/128, 128, N); output (M/128, 128, N); no
epsilon, as there).

The schedule: rows in blocks of eight 128-row tiles. For each tile, x is loaded and, 512
columns at a time, squared on the Scalar Engine (activation with a zero bias column), scaled
by 1/K, summed along the row and accumulated over the two halves (loop_reduce); rsqrt of the
sum on the Scalar Engine; x is loaded again, scaled by the rsqrt column, and each 128 x 128
piece is transposed on the Tensor Engine (transpose mode against an identity loaded from HBM)
and copied to SBUF. Then for each 1024-column half of w and each tile of the block, two PSUM
banks accumulate the K/128 matmuls, are copied out and the 128 x 1024 tile is stored.

What differs from the published file, and why:
- The published file loads the w tiles once per block of eight row tiles (4 times in all).
  Here w is loaded once, before the row loop, and stays in SBUF (64 KiB per partition): the
  compiler hoists such loop-invariant loads (in add_rmsnorm_matmul the profile's HBM bytes are
  exactly those of w loaded once although the file loads it per row tile), and the profile
  here (profile_results.csv, row rmsnorm_matmul) reads 39,387,136 bytes, closer to x twice + w
  once (42,008,576 with the identity) than to the file as written (67,174,400). The remaining
  2.5 MiB are not explained.
- Where the published file leaves the engine to the compiler (nl.copy from PSUM, and
  tensor_scalar with engine=unknown_engine) this file names the Scalar Engine: the profile has
  VectorE 3.9% active (41 us of 1.056 ms), about what the row sums alone need (tensor_reduce
  runs only on VectorE), so the copies and the two scalings were not on VectorE. With trnsim's
  default (Vector) for the two tensor_scalar calls the simulated VectorE is 8.3% busy.
- Tiles are declared in the loops that use them instead of full-size block arrays.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

MB = 8       # row tiles per block
NB = 1024    # output columns per w band (two PSUM banks)
HALF = 512   # columns per squaring step


@nki.jit
def nkibench_rmsnorm_matmul(x, w):
    m_tiles, P, K = x.shape
    k_tiles, _, N = w.shape
    out = nl.ndarray((m_tiles, P, N), dtype=x.dtype, buffer=nl.shared_hbm)
    zero = nl.ndarray((P, 1), dtype=x.dtype, buffer=nl.sbuf)
    zero[...] = nisa.memset(shape=(P, 1), value=0.0, dtype=x.dtype)
    identity = nl.load(nl.shared_constant(np.identity(P, dtype=np.float32)))

    # w, loaded once (see the docstring): band b, k-tile k is [128, 1024]
    w_sb = nl.ndarray((N // NB, k_tiles, nl.par_dim(P), NB), dtype=w.dtype,
                      buffer=nl.sbuf)  # trnsim: bufs=1
    for b in nl.affine_range(N // NB):
        for k in nl.affine_range(k_tiles):
            w_sb[b, k, :, :] = nl.load(w[k, :, b * NB:(b + 1) * NB])

    for blk in nl.affine_range(m_tiles // MB):
        xT = nl.ndarray((MB, k_tiles, nl.par_dim(P), P), dtype=x.dtype, buffer=nl.sbuf)
        for t in nl.affine_range(MB):
            row = blk * MB + t
            x1 = nl.load(x[row])
            ssum = nl.zeros((P, 1), dtype=nl.float32, buffer=nl.sbuf)
            for h in nl.affine_range(K // HALF):
                sq = nisa.activation(op=nl.square, data=x1[:, h * HALF:(h + 1) * HALF],
                                     bias=zero, scale=1.0)
                sq_k = nisa.tensor_scalar(data=sq, op0=nl.multiply, operand0=1.0 / K,
                                          engine=nisa.scalar_engine)
                part = nisa.tensor_reduce(np.add, data=sq_k, axis=[1])
                ssum = nl.loop_reduce(part, op=np.add, loop_indices=[h])
            rinv = nisa.activation(op=nl.rsqrt, data=ssum, bias=zero, scale=1.0)
            x2 = nl.load(x[row])
            for h in nl.affine_range(K // HALF):
                xn = nisa.tensor_scalar(data=x2[:, h * HALF:(h + 1) * HALF], op0=nl.multiply,
                                        operand0=rinv, engine=nisa.scalar_engine)
                for q in nl.affine_range(HALF // P):
                    tp = nisa.nc_matmul(xn[:, q * P:(q + 1) * P], identity,
                                        is_moving_onezero=True, is_transpose=True)
                    xT[t, h * (HALF // P) + q, :, :] = nisa.tensor_copy(
                        tp, engine=nisa.scalar_engine)
        for b in nl.affine_range(N // NB):
            for t in nl.affine_range(MB):
                res = nl.ndarray((P, NB), dtype=x.dtype, buffer=nl.sbuf)
                for f in nl.affine_range(NB // 512):
                    acc = nl.zeros((P, 512), dtype=nl.float32, buffer=nl.psum)
                    for k in nl.affine_range(k_tiles):
                        acc += nisa.nc_matmul(xT[t, k, :, :], w_sb[b, k, :, f * 512:(f + 1) * 512])
                    res[:, f * 512:(f + 1) * 512] = nisa.tensor_copy(acc, engine=nisa.scalar_engine)
                nl.store(out[blk * MB + t, :, b * NB:(b + 1) * NB], value=res)
    return out


KERNEL = nkibench_rmsnorm_matmul
# Small test shape: M = 2048, K = 512, N = 1024. Measured: x 32x128x1024, w 8x128x2048.
INPUT_SHAPES = {"x": (16, 128, 512), "w": (4, 128, 1024)}
DTYPE = "float32"


def reference(x, w):
    m_tiles, P, K = x.shape
    a = np.asarray(x, dtype=np.float64).reshape(m_tiles * P, K)
    b = np.asarray(w, dtype=np.float64).reshape(K, -1)
    rms = np.sqrt(np.sum(np.square(a) / K, axis=1, keepdims=True))
    return ((a / rms) @ b).reshape(m_tiles, P, -1)
