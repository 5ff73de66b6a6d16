"""NKIBench fp32 transposed-lhs matmul, out = lhs^T @ rhs, after AccelOpt's baseline schedule.

Followed: zhang677/AccelOpt @ 47e29a7 : NKIBench/kernels/transpose_matmul_M4096_K2048_N10944_0.py
(the schedule) and NKIBench/reference/transpose_matmul_M4096_K2048_N10944_numpy_1.py (inputs:
lhs [K, M] reshaped to (128, K/128, M), rhs [K, N] to (128, K/128, N), so row k of either is
partition k // (K/128), k-tile k % (K/128); the output is (M/128, 128, N)).

The schedule: M in blocks of 1024 columns of lhs (outer), N in blocks of 1024 (inner). For an
M block its K/128 lhs tiles [128, 1024] are loaded once; for each N block its K/128 rhs tiles
[128, 1024] are loaded, then for each of the eight 128-column pieces of the M block and each
512-column half of the N block the K/128 matmuls accumulate in one PSUM bank (the lhs piece is
the stationary operand as stored: no transpose is needed), the bank is copied to SBUF and the
128 x 1024 output tile stored.

What differs from the published file, and why:
- N = 10944 is not a multiple of 1024: the published file masks the last block (704 columns)
  in every load, matmul, copy and store. trnsim takes no mask on nc_matmul, so the last block
  is a separate call of the same block code with a static width of N % 1024 (halves of 512 and
  192): the same instructions on the same unmasked elements.
- The PSUM-to-SBUF copies are nisa.tensor_copy on the Scalar Engine: the published nl.copy
  leaves the engine to the compiler; the profile (profile_results.csv, row transpose_matmul)
  has ScalarE 3.8% active and VectorE idle (1.5e-5).
- The lhs and rhs tiles are tile arrays declared in the loops that use them, one buffer each
  (`# trnsim: bufs=1`): 64 KiB per partition each in fp32, so two buffers of both would not
  fit the 176 KiB of SBUF a kernel may use. The published file declares full-size arrays and
  leaves the allocation to the compiler.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

MB = 1024   # lhs columns (output rows) per block
NB = 1024   # output columns per block (two PSUM banks of 512 fp32)


def _n_block(out, lhs_t, rhs, mb, n0, width, k_tiles):
    """One N block of `width` columns from column n0 (n0 may be a loop index)."""
    P = rhs.shape[0]
    w = nl.ndarray((k_tiles, nl.par_dim(P), NB), dtype=rhs.dtype,
                   buffer=nl.sbuf)  # trnsim: bufs=1
    for kt in nl.affine_range(k_tiles):
        w[kt, :, 0:width] = nl.load(rhs[:, kt, nl.ds(n0, width)])
    halves = [(h * 512, min(512, width - h * 512)) for h in range((width + 511) // 512)]
    for i in nl.affine_range(MB // P):
        res = nl.ndarray((P, NB), dtype=rhs.dtype, buffer=nl.sbuf)
        for f0, fw in halves:
            acc = nl.zeros((P, 512), dtype=nl.float32, buffer=nl.psum)
            for kt in nl.affine_range(k_tiles):
                acc[:, 0:fw] += nisa.nc_matmul(lhs_t[kt, :, i * P:(i + 1) * P],
                                               w[kt, :, f0:f0 + fw])
            res[:, f0:f0 + fw] = nisa.tensor_copy(acc[:, 0:fw], engine=nisa.scalar_engine)
        nl.store(out[mb * (MB // P) + i, :, nl.ds(n0, width)], value=res[:, 0:width])


@nki.jit
def nkibench_transpose_matmul(lhs, rhs):
    P, k_tiles, M = lhs.shape
    N = rhs.shape[2]
    out = nl.ndarray((M // P, P, N), dtype=lhs.dtype, buffer=nl.shared_hbm)
    for mb in nl.affine_range(M // MB):
        lhs_t = nl.ndarray((k_tiles, nl.par_dim(P), MB), dtype=lhs.dtype,
                           buffer=nl.sbuf)  # trnsim: bufs=1
        for kt in nl.affine_range(k_tiles):
            lhs_t[kt, :, :] = nl.load(lhs[:, kt, mb * MB:(mb + 1) * MB])
        for nb in nl.affine_range(N // NB):
            _n_block(out, lhs_t, rhs, mb, nb * NB, NB, k_tiles)
        if N % NB:
            _n_block(out, lhs_t, rhs, mb, N - N % NB, N % NB, k_tiles)
    return out


KERNEL = nkibench_transpose_matmul
# Small test shape: K = 512, M = 1024, N = 1728 (one full N block and a 704-column tail, as the
# measured N = 10944 has). Measured: lhs 128x16x4096, rhs 128x16x10944.
INPUT_SHAPES = {"lhs": (128, 4, 1024), "rhs": (128, 4, 1728)}
DTYPE = "float32"


def reference(lhs, rhs):
    P, k_tiles, M = lhs.shape
    a = np.asarray(lhs, dtype=np.float64).reshape(P * k_tiles, M)
    b = np.asarray(rhs, dtype=np.float64).reshape(P * k_tiles, -1)
    return (a.T @ b).reshape(M // P, P, -1)
