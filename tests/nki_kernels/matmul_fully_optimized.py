"""An NKI 0.1 kernel written as the NKI matmul tutorial writes its fully optimized kernel (not
emitted by trnsim): blocked M, N and K, tile arrays with block dimensions, `nl.zeros` in SBUF,
`result_tiles[...] += res_tile` (SBUF accumulation), packed stores. One trnsim comment keeps
`result_tiles` in one buffer, as the C++ port `matmul_optimized` does (the NKI compiler chooses
its own). Written here for tests/nki_round_trip_test.cpp.
"""
import neuronxcc.nki as nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def matmul_fully_optimized(lhsT, rhs, TILES_IN_BLOCK_M=2, TILES_IN_BLOCK_N=2,
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
        result_tiles = nl.zeros(
            (NUM_BLOCK_M, TILES_IN_BLOCK_M, TILES_IN_BLOCK_N, nl.par_dim(TILE_M), TILE_N),
            dtype=lhsT.dtype, buffer=nl.sbuf)  # trnsim: bufs=1

        for k in nl.sequential_range(NUM_BLOCK_K):
            rhs_tiles = nl.ndarray((TILES_IN_BLOCK_K, nl.par_dim(TILE_K), BLOCK_N),
                                   dtype=rhs.dtype, buffer=nl.sbuf)
            for bk_r in nl.affine_range(TILES_IN_BLOCK_K):
                row = (TILES_IN_BLOCK_K * k + bk_r) * TILE_K
                rhs_tiles[bk_r] = nl.load(rhs[row:row + TILE_K, BLOCK_N * n:BLOCK_N * (n + 1)])

            for m in nl.affine_range(NUM_BLOCK_M):
                lhsT_tiles = nl.ndarray((TILES_IN_BLOCK_K, nl.par_dim(TILE_K), BLOCK_M),
                                        dtype=lhsT.dtype, buffer=nl.sbuf)
                for bk_l in nl.affine_range(TILES_IN_BLOCK_K):
                    row = (TILES_IN_BLOCK_K * k + bk_l) * TILE_K
                    lhsT_tiles[bk_l] = nl.load(
                        lhsT[row:row + TILE_K, BLOCK_M * m:BLOCK_M * (m + 1)])

                for bn in nl.affine_range(TILES_IN_BLOCK_N):
                    for bm in nl.affine_range(TILES_IN_BLOCK_M):
                        res_tile = nl.zeros((TILE_M, TILE_N), dtype=nl.float32, buffer=nl.psum)
                        for bk in nl.affine_range(TILES_IN_BLOCK_K):
                            res_tile[...] += nisa.nc_matmul(
                                lhsT_tiles[bk, :, bm * TILE_M:(bm + 1) * TILE_M],
                                rhs_tiles[bk, :, bn * TILE_N:(bn + 1) * TILE_N])
                        result_tiles[m, bm, bn, :, :] += res_tile[:, :]

        for m in nl.affine_range(NUM_BLOCK_M):
            for bm in nl.affine_range(TILES_IN_BLOCK_M):
                result_packed = nl.ndarray((TILE_K, BLOCK_N), dtype=result_tiles.dtype,
                                           buffer=nl.sbuf)
                for bn in nl.affine_range(TILES_IN_BLOCK_N):
                    result_packed[:, bn * TILE_N:(bn + 1) * TILE_N] = nl.copy(
                        result_tiles[m, bm, bn, :, :])
                row = (TILES_IN_BLOCK_M * m + bm) * TILE_K
                nl.store(result[row:row + TILE_K, BLOCK_N * n:BLOCK_N * (n + 1)],
                         value=result_packed)
    return result


KERNEL = matmul_fully_optimized
DTYPE = "bfloat16"
INPUT_SHAPES = {"lhsT": (512, 256), "rhs": (512, 1024)}
