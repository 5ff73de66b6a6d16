"""An NKI 0.1 kernel written as the NKI matmul tutorial writes its second optimization (not
emitted by trnsim): blocks of TILES_IN_BLOCK_M lhsT columns and TILES_IN_BLOCK_N rhs columns,
each tile of a block reused across the other block. Written here for
tests/nki_round_trip_test.cpp (its C++ port is `matmul_blocked`).
"""
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def matmul_blocked(lhsT, rhs, TILES_IN_BLOCK_M=2, TILES_IN_BLOCK_N=2):
    K, M = lhsT.shape
    K_, N = rhs.shape
    assert K == K_, "lhsT and rhs must have the same contraction dimension"
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)
    TILE_M = nl.tile_size.gemm_stationary_fmax  # 128
    TILE_K = nl.tile_size.pmax  # 128
    TILE_N = nl.tile_size.gemm_moving_fmax  # 512
    BLOCK_M, BLOCK_N = TILE_M * TILES_IN_BLOCK_M, TILE_N * TILES_IN_BLOCK_N

    for m in nl.affine_range(M // BLOCK_M):
        lhsT_tiles = nl.ndarray((TILES_IN_BLOCK_M, K // TILE_K, nl.par_dim(TILE_K), TILE_M),
                                dtype=lhsT.dtype, buffer=nl.sbuf)
        for bm in nl.affine_range(TILES_IN_BLOCK_M):
            for k in nl.affine_range(K // TILE_K):
                col = (TILES_IN_BLOCK_M * m + bm) * TILE_M
                lhsT_tiles[bm, k] = nl.load(lhsT[k * TILE_K:(k + 1) * TILE_K, col:col + TILE_M])

        for n in nl.affine_range(N // BLOCK_N):
            rhs_tiles = nl.ndarray((TILES_IN_BLOCK_N, K // TILE_K, nl.par_dim(TILE_K), TILE_N),
                                   dtype=rhs.dtype, buffer=nl.sbuf)
            for bn in nl.affine_range(TILES_IN_BLOCK_N):
                for k in nl.affine_range(K // TILE_K):
                    col = (TILES_IN_BLOCK_N * n + bn) * TILE_N
                    rhs_tiles[bn, k] = nl.load(rhs[k * TILE_K:(k + 1) * TILE_K, col:col + TILE_N])

            for bm in nl.affine_range(TILES_IN_BLOCK_M):
                for bn in nl.affine_range(TILES_IN_BLOCK_N):
                    res_psum = nl.zeros((TILE_M, TILE_N), nl.float32, buffer=nl.psum)
                    for k in nl.affine_range(K // TILE_K):
                        res_psum += nl.matmul(lhsT_tiles[bm, k], rhs_tiles[bn, k],
                                              transpose_x=True)
                    res_sb = nl.copy(res_psum, dtype=result.dtype)
                    row = (TILES_IN_BLOCK_M * m + bm) * TILE_M
                    col = (TILES_IN_BLOCK_N * n + bn) * TILE_N
                    nl.store(result[row:row + TILE_M, col:col + TILE_N], value=res_sb)
    return result


KERNEL = matmul_blocked
DTYPE = "bfloat16"
INPUT_SHAPES = {"lhsT": (512, 256), "rhs": (512, 1024)}
