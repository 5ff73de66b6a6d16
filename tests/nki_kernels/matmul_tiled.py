"""An NKI 0.1 kernel written as the NKI matmul tutorial writes its first, tiled kernel (not
emitted by trnsim): implicit tiles (`x = nl.load(...)`), `nl.zeros` in PSUM with `+=`,
`nl.matmul(..., transpose_x=True)`, `nl.tile_size`, shapes and dtypes read from the inputs.
Written here for tests/nki_round_trip_test.cpp, which finds the program of the C++ port
`matmul_naive`. INPUT_SHAPES and DTYPE give its inputs (the tracer has no --arg yet).
"""
import neuronxcc.nki as nki
import neuronxcc.nki.language as nl


@nki.jit
def matmul_tiled(lhsT, rhs):
    K, M = lhsT.shape
    K_, N = rhs.shape
    assert K == K_, "lhsT and rhs must have the same contraction dimension"
    result = nl.ndarray((M, N), dtype=lhsT.dtype, buffer=nl.shared_hbm)

    TILE_M = nl.tile_size.gemm_stationary_fmax  # 128
    TILE_K = nl.tile_size.pmax  # 128
    TILE_N = nl.tile_size.gemm_moving_fmax  # 512

    for m in nl.affine_range(M // TILE_M):
        for n in nl.affine_range(N // TILE_N):
            res_psum = nl.zeros((TILE_M, TILE_N), nl.float32, buffer=nl.psum)
            for k in nl.affine_range(K // TILE_K):
                lhsT_tile = nl.load(lhsT[k * TILE_K:(k + 1) * TILE_K, m * TILE_M:(m + 1) * TILE_M])
                rhs_tile = nl.load(rhs[k * TILE_K:(k + 1) * TILE_K, n * TILE_N:(n + 1) * TILE_N])
                res_psum += nl.matmul(lhsT_tile, rhs_tile, transpose_x=True)
            res_sb = nl.copy(res_psum, dtype=result.dtype)
            nl.store(result[m * TILE_M:(m + 1) * TILE_M, n * TILE_N:(n + 1) * TILE_N], value=res_sb)
    return result


KERNEL = matmul_tiled
DTYPE = "bfloat16"
INPUT_SHAPES = {"lhsT": (512, 256), "rhs": (512, 1024)}
