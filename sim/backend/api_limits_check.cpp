#include "sim/backend/api_limits_check.h"

#include <string>

#include "common/error.h"
#include "kernels/api/limits.h"

namespace trnsim::backend {
namespace {

void require(const char* key, int64_t value, const char* limit, int64_t needed) {
  if (value >= needed) return;
  throw UserError(std::string(key) + " = " + std::to_string(value) + " is below NKI's " + limit +
                  " = " + std::to_string(needed) +
                  ": kernels written for NKI cannot run on this config (run-program can)");
}

}  // namespace

void check_api_limits(const HwConfig& cfg) {
  require("sbuf.partitions", cfg.sbuf.partitions, "tile_size.pmax", limits::kPmax);
  // The PE array may be smaller than NKI's tiles (a teaching array, tensor.model=pe): a kernel
  // whose matmul does not fit it is refused by the simulator's array check, naming K, M and N.
  require("tensor.moving_free_max", cfg.tensor.moving_free_max, "tile_size.gemm_moving_fmax",
          limits::kMovingFmax);
  // psum_fmax counts fp32 elements of one bank.
  require("psum bank bytes (psum.bytes_per_partition / psum.banks)", cfg.psum.bank_bytes(),
          "tile_size.psum_fmax x 4 bytes", limits::kPsumFmax * 4);
}

}  // namespace trnsim::backend
