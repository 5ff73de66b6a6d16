#include "kernels/compress/parallel_bands.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace trnsim::compress {

void for_each_band(Eigen::Index total, Eigen::Index band,
                   const std::function<void(Eigen::Index, Eigen::Index, Eigen::Index)>& body) {
  if (total <= 0) return;
  band = std::max<Eigen::Index>(band, 1);
  const Eigen::Index bands = (total + band - 1) / band;
  std::atomic<Eigen::Index> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto worker = [&] {
    for (Eigen::Index b = next++; b < bands; b = next++) {
      try {
        body(b, b * band, std::min(band, total - b * band));
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = bands;
      }
    }
  };
  const Eigen::Index threads =
      std::min<Eigen::Index>(bands, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> helpers;
  for (Eigen::Index t = 1; t < threads; ++t) helpers.emplace_back(worker);
  worker();
  for (std::thread& t : helpers) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace trnsim::compress
