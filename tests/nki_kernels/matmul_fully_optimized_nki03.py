"""tests/nki_kernels/matmul_fully_optimized.py written for the `nki` namespace of NKI 0.2/0.3
(not emitted by trnsim): the tile arrays of the 0.1 twin are Python lists of tiles (nested for
the result tiles, zeroed by nisa.memset), the SBUF accumulation `result_tiles[...] += res_tile`
is nisa.tensor_tensor(dst=acc, data1=acc, data2=res_tile, op=nl.add), loads and stores are
nisa.dma_copy. The trnsim comment keeps the result tiles in one buffer, as the twin's and the
C++ port `matmul_optimized`'s. tests/nki_namespace_test.cpp checks the program.
"""
import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def matmul_fully_optimized_nki03(lhsT, rhs, TILES_IN_BLOCK_M=2, TILES_IN_BLOCK_N=2,
                                 TILES_IN_BLOCK_K=2):
    K, M = lhsT.shape
    K_, N = rhs.shape
    assert K == K_, "lhsT and rhs must have the same contraction dimension"
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)

    TILE_M = nl.tile_size.gemm_stationary_fmax  # 128
    TILE_K = nl.tile_size.pmax  # 128
    TILE_N = nl.tile_size.gemm_moving_fmax  # 512
    BLOCK_M = TILE_M * TILES_IN_BLOCK_M
    BLOCK_N = TILE_N * TILES_IN_BLOCK_N
    BLOCK_K = TILE_K * TILES_IN_BLOCK_K
    NUM_BLOCK_M, NUM_BLOCK_N, NUM_BLOCK_K = M // BLOCK_M, N // BLOCK_N, K // BLOCK_K

    for n in nl.affine_range(NUM_BLOCK_N):
        result_tiles = []  # [m][bm][bn], each (TILE_M, TILE_N)
        for m in nl.affine_range(NUM_BLOCK_M):
            result_tiles.append([])
            for bm in nl.affine_range(TILES_IN_BLOCK_M):
                result_tiles[m].append([])
                for bn in nl.affine_range(TILES_IN_BLOCK_N):
                    acc = nl.ndarray((TILE_M, TILE_N), dtype=lhsT.dtype, buffer=nl.sbuf,
                                     name="result_tiles")  # trnsim: bufs=1
                    nisa.memset(dst=acc, value=0.0)
                    result_tiles[m][bm].append(acc)

        for k in nl.sequential_range(NUM_BLOCK_K):
            rhs_tiles = []
            for bk_r in nl.affine_range(TILES_IN_BLOCK_K):
                row = (TILES_IN_BLOCK_K * k + bk_r) * TILE_K
                rhs_tiles.append(nl.ndarray((TILE_K, BLOCK_N), dtype=rhs.dtype, buffer=nl.sbuf))
                nisa.dma_copy(dst=rhs_tiles[bk_r],
                              src=rhs[row:row + TILE_K, BLOCK_N * n:BLOCK_N * (n + 1)])

            for m in nl.affine_range(NUM_BLOCK_M):
                lhsT_tiles = []
                for bk_l in nl.affine_range(TILES_IN_BLOCK_K):
                    row = (TILES_IN_BLOCK_K * k + bk_l) * TILE_K
                    lhsT_tiles.append(nl.ndarray((TILE_K, BLOCK_M), dtype=lhsT.dtype,
                                                 buffer=nl.sbuf))
                    nisa.dma_copy(dst=lhsT_tiles[bk_l],
                                  src=lhsT[row:row + TILE_K, BLOCK_M * m:BLOCK_M * (m + 1)])

                for bn in nl.affine_range(TILES_IN_BLOCK_N):
                    for bm in nl.affine_range(TILES_IN_BLOCK_M):
                        res_tile = nl.ndarray((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
                        for bk in nl.affine_range(TILES_IN_BLOCK_K):
                            nisa.nc_matmul(res_tile,
                                           lhsT_tiles[bk][:, bm * TILE_M:(bm + 1) * TILE_M],
                                           rhs_tiles[bk][:, bn * TILE_N:(bn + 1) * TILE_N])
                        acc = result_tiles[m][bm][bn]
                        nisa.tensor_tensor(dst=acc, data1=acc, data2=res_tile, op=nl.add)

        for m in nl.affine_range(NUM_BLOCK_M):
            for bm in nl.affine_range(TILES_IN_BLOCK_M):
                result_packed = nl.ndarray((TILE_K, BLOCK_N), dtype=lhsT.dtype, buffer=nl.sbuf)
                for bn in nl.affine_range(TILES_IN_BLOCK_N):
                    nisa.tensor_copy(dst=result_packed[:, bn * TILE_N:(bn + 1) * TILE_N],
                                     src=result_tiles[m][bm][bn])
                row = (TILES_IN_BLOCK_M * m + bm) * TILE_K
                nisa.dma_copy(dst=result[row:row + TILE_K, BLOCK_N * n:BLOCK_N * (n + 1)],
                              src=result_packed)
    return result


KERNEL = matmul_fully_optimized_nki03
DTYPE = "bfloat16"
INPUT_SHAPES = {"lhsT": (512, 256), "rhs": (512, 1024)}


def reference(lhsT, rhs):
    """The numpy result `trnsim run-nki` compares with (max_abs_err)."""
    return lhsT.T @ rhs
