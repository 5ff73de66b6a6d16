// sbuf_footprint derives a schedule's SBUF need from its tile declarations; the expected bytes
// are worked out by hand from the schedule's nl.ndarray-style declarations.
#include <gtest/gtest.h>

#include "kernels/api/footprint.h"
#include "kernels/matmul/optimized_matmul.h"

namespace trnsim {
namespace {

TEST(Footprint, OptimizedMatmulAtTheTutorialShape) {
  // 4096 x 8192 x 8192 bf16, TILES_IN_BLOCK M=16, N=2, K=8: BLOCK_M = 2048, BLOCK_N = 1024.
  //   result_tiles [2, 16, 2] x [128, 512]       = 64 x 512 x 2 B       = 65536
  //   rhs_tiles    2 bufs x [8] x [128, 1024]    = 2 x 8 x 1024 x 2 B   = 32768
  //   lhsT_tiles   2 bufs x [8] x [128, 2048]    = 2 x 8 x 2048 x 2 B   = 65536
  //   result_packed 2 bufs x [128, 1024]         = 2 x 1024 x 2 B       =  4096
  const auto tiles = sbuf_footprint(180224, [](Backend& b) {
    optimized_matmul(b, "test", b.hbm_input("lhsT", 8192, 4096, Dtype::bf16),
                     b.hbm_input("rhs", 8192, 8192, Dtype::bf16),
                     b.hbm_output("result", 4096, 8192, Dtype::bf16), {16, 2, 8});
  });
  const std::vector<TileBytes> expected = {{"result_tiles", 65536},
                                           {"rhs_tiles", 32768},
                                           {"lhsT_tiles", 65536},
                                           {"result_packed", 4096}};
  EXPECT_EQ(tiles, expected);
  EXPECT_EQ(total_bytes(tiles), 167936);
}

}  // namespace
}  // namespace trnsim
