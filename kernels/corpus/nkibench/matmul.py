"""NKIBench fp32 matmul, out = lhs @ rhs, after AccelOpt's baseline schedule.

Followed: zhang677/AccelOpt @ 47e29a7 : NKIBench/kernels/matmul_M4096_N12288_K5120_0.py (the
schedule) and NKIBench/reference/matmul_M4096_N12288_K5120_numpy_2.py (the inputs its
transform_to_nki_inputs makes: lhs [M, K] reshaped to (M/128, 128, K/128, 128), rhs [K, N] to
(K/128, 128, N); the output is (M/128, 128, N)).

The schedule: the output is made in blocks of 128 rows by 1024 columns, N blocks outside, M
tiles inside. For each block the 128 x K row band of lhs is loaded 1024 columns at a time
([128, 1024] fp32 rows, 4 KiB per partition), each 128 x 128 piece is transposed on the Tensor
Engine (nc_matmul in transpose mode against a 128 x 128 identity loaded once from HBM) and
copied back to SBUF; then every 128-row tile of the rhs column band ([128, 1024]) is loaded and
multiplied into two PSUM banks of 512 columns, which are copied to SBUF and stored.

What differs from the published file, and why:
- The published kernel loads the whole K x 1024 rhs band once per N block, outside the M loop.
  That band is 160 KiB per partition in fp32, which with the other buffers does not fit SBUF;
  the profile (experiments/full_complete_local/profile_results.csv, row matmul) reads
  9,059,762,176 HBM bytes = 12 x lhs + 32 x rhs + the identity, exactly, i.e. the compiled
  program loaded the rhs band again for every M tile. This kernel does what the profile shows:
  the rhs tiles are loaded inside the M loop, streamed one [128, 1024] tile at a time.
- Streaming the band means the K loop is outside the two 512-column halves (two PSUM
  accumulators at once) where the published file has the halves outside K: the same matmuls,
  DMAs and copies, in another order.
- The PSUM-to-SBUF copies are nisa.tensor_copy on the Scalar Engine: the published nl.copy
  leaves the engine to the compiler, and the profile has the Scalar Engine 6.8% active and the
  Vector Engine idle (4e-6), so the compiler put them on ScalarE.
- Tiles are declared in the loops that use them (rotating buffers) instead of the published
  full-size block arrays, which the compiler allocates itself.
"""
import numpy as np

import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl

NB = 1024        # output columns per block (two PSUM banks of 512 fp32)
CHUNK = 8        # lhs k-tiles per load: [128, 8 x 128] = 4 KiB per partition in fp32


@nki.jit
def nkibench_matmul(lhs, rhs):
    m_tiles, P, k_tiles, _ = lhs.shape
    N = rhs.shape[2]
    out = nl.ndarray((m_tiles, P, N), dtype=lhs.dtype, buffer=nl.shared_hbm)
    identity_hbm = nl.shared_constant(np.identity(P, dtype=np.float32))
    identity = nl.load(identity_hbm)

    for nb in nl.affine_range(N // NB):
        for mt in nl.affine_range(m_tiles):
            # lhs row band, transposed on the PE: lhsT[k] is [128 (k), 128 (m)]
            lhsT = nl.ndarray((k_tiles, nl.par_dim(P), P), dtype=lhs.dtype, buffer=nl.sbuf)
            for c in nl.affine_range(k_tiles // CHUNK):
                band = nl.ndarray((P, CHUNK, P), dtype=lhs.dtype, buffer=nl.sbuf)
                band[...] = nl.load(lhs[mt, :, c * CHUNK:(c + 1) * CHUNK, :])
                for j in nl.affine_range(CHUNK):
                    t = nisa.nc_matmul(band[:, j, :], identity, is_moving_onezero=True,
                                       is_transpose=True)
                    lhsT[c * CHUNK + j, :, :] = nisa.tensor_copy(t, engine=nisa.scalar_engine)

            acc0 = nl.zeros((P, 512), dtype=nl.float32, buffer=nl.psum)
            acc1 = nl.zeros((P, 512), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(k_tiles):
                w = nl.load(rhs[k, :, nb * NB:(nb + 1) * NB])
                acc0 += nisa.nc_matmul(lhsT[k, :, :], w[:, 0:512])
                acc1 += nisa.nc_matmul(lhsT[k, :, :], w[:, 512:1024])

            res = nl.ndarray((P, NB), dtype=lhs.dtype, buffer=nl.sbuf)
            res[:, 0:512] = nisa.tensor_copy(acc0, engine=nisa.scalar_engine)
            res[:, 512:1024] = nisa.tensor_copy(acc1, engine=nisa.scalar_engine)
            nl.store(out[mt, :, nb * NB:(nb + 1) * NB], value=res)
    return out


KERNEL = nkibench_matmul
# Small test shape: M = 256, K = 1024, N = 2048. Measured: lhs 32x128x40x128, rhs 40x128x12288.
INPUT_SHAPES = {"lhs": (2, 128, 8, 128), "rhs": (8, 128, 2048)}
DTYPE = "float32"


def reference(lhs, rhs):
    m_tiles, P, k_tiles, _ = lhs.shape
    a = np.asarray(lhs, dtype=np.float64).reshape(m_tiles * P, k_tiles * P)
    b = np.asarray(rhs, dtype=np.float64).reshape(k_tiles * P, -1)
    return (a @ b).reshape(m_tiles, P, -1)
