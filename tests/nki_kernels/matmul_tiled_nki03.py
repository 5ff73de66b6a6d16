"""tests/nki_kernels/matmul_tiled.py written for the `nki` namespace of NKI 0.2/0.3 (not
emitted by trnsim): the same loops, tiles and operations, with destination passing. Every tile
is declared with nl.ndarray (partition first) where its 0.1 twin gets an implicit one, loads and
stores are nisa.dma_copy(dst=, src=), and the matmuls accumulate into one PSUM tile per output
tile by NKI's default rule (the first nc_matmul into it overwrites, later ones accumulate).
tests/nki_namespace_test.cpp checks that it gives its twin's program, and its numerics.
"""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def matmul_tiled_nki03(lhsT, rhs):
    K, M = lhsT.shape
    K_, N = rhs.shape
    assert K == K_, "lhsT and rhs must have the same contraction dimension"
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)

    TILE_M = nl.tile_size.gemm_stationary_fmax  # 128
    TILE_K = nl.tile_size.pmax  # 128
    TILE_N = nl.tile_size.gemm_moving_fmax  # 512

    for m in nl.affine_range(M // TILE_M):
        for n in nl.affine_range(N // TILE_N):
            res_psum = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // TILE_K):
                lhsT_tile = nl.ndarray((TILE_K, TILE_M), dtype=lhsT.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=lhsT_tile,
                              src=lhsT[k * TILE_K:(k + 1) * TILE_K, m * TILE_M:(m + 1) * TILE_M])
                rhs_tile = nl.ndarray((TILE_K, TILE_N), dtype=rhs.dtype, buffer=nl.sbuf)
                nisa.dma_copy(dst=rhs_tile,
                              src=rhs[k * TILE_K:(k + 1) * TILE_K, n * TILE_N:(n + 1) * TILE_N])
                nisa.nc_matmul(res_psum, stationary=lhsT_tile, moving=rhs_tile)
            res_sb = nl.ndarray((TILE_M, TILE_N), dtype=result.dtype, buffer=nl.sbuf)
            nisa.tensor_copy(dst=res_sb, src=res_psum)
            nisa.dma_copy(dst=result[m * TILE_M:(m + 1) * TILE_M, n * TILE_N:(n + 1) * TILE_N],
                          src=res_sb)
    return result


KERNEL = matmul_tiled_nki03
DTYPE = "bfloat16"
INPUT_SHAPES = {"lhsT": (512, 256), "rhs": (512, 1024)}


def reference(lhsT, rhs):
    """The numpy result `trnsim run-nki` compares with (max_abs_err)."""
    return lhsT.T @ rhs
