"""tests/nki_kernels/matmul_hoisted.py written for the `nki` namespace of NKI 0.2/0.3 (not
emitted by trnsim): 0.3 has no block dimensions, so the column of lhsT tiles kept across the n
loop (and the row of rhs tiles kept across the k loop of the matmuls) are Python lists of tiles,
one declared per iteration, as AWS's block-dimension migration guide and the NKI tutorial's
0.3 version write it. The tracer makes each list the tile array of the 0.1 twin
(python/trnsim_nki/tracing/nki/_lists.py); tests/nki_namespace_test.cpp checks the program.
"""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def matmul_hoisted_nki03(lhsT, rhs):
    K, M = lhsT.shape
    K_, N = rhs.shape
    assert K == K_, "lhsT and rhs must have the same contraction dimension"
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    TILE_M = nl.tile_size.gemm_stationary_fmax  # 128
    TILE_K = nl.tile_size.pmax  # 128
    TILE_N = nl.tile_size.gemm_moving_fmax  # 512

    for m in nl.affine_range(M // TILE_M):
        lhsT_tiles = []
        for k in nl.affine_range(K // TILE_K):
            lhsT_tiles.append(nl.ndarray((TILE_K, TILE_M), dtype=lhsT.dtype, buffer=nl.sbuf))
            nisa.dma_copy(dst=lhsT_tiles[k],
                          src=lhsT[k * TILE_K:(k + 1) * TILE_K, m * TILE_M:(m + 1) * TILE_M])

        for n in nl.affine_range(N // TILE_N):
            rhs_tiles = []
            for k in nl.affine_range(K // TILE_K):
                rhs_tiles.append(nl.ndarray((TILE_K, TILE_N), dtype=rhs.dtype, buffer=nl.sbuf))
                nisa.dma_copy(dst=rhs_tiles[k],
                              src=rhs[k * TILE_K:(k + 1) * TILE_K, n * TILE_N:(n + 1) * TILE_N])

            res_psum = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // TILE_K):
                nisa.nc_matmul(res_psum, stationary=lhsT_tiles[k], moving=rhs_tiles[k])
            res_sb = nl.ndarray((TILE_M, TILE_N), dtype=result.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(dst=res_sb, src=res_psum)
            nisa.dma_copy(dst=result[m * TILE_M:(m + 1) * TILE_M, n * TILE_N:(n + 1) * TILE_N],
                          src=res_sb)
    return result


KERNEL = matmul_hoisted_nki03
DTYPE = "bfloat16"
INPUT_SHAPES = {"lhsT": (512, 256), "rhs": (512, 1024)}


def reference(lhsT, rhs):
    """The numpy result `trnsim run-nki` compares with (max_abs_err)."""
    return lhsT.T @ rhs
