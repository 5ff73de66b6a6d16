// Splitting a large matrix product into fixed bands of columns (or rows) that run on all
// hardware threads. The bands depend only on the sizes, never on the thread count, so every
// result is bit-identical on any machine running the same build.
#pragma once

#include <Eigen/Core>
#include <functional>

namespace trnsim::compress {

// Calls body(band_index, first, count) for consecutive bands [first, first + count) that cover
// [0, total) in steps of `band`, concurrently on up to std::thread::hardware_concurrency()
// threads. Bodies must only write disjoint data. The first exception thrown by any body is
// rethrown here after all threads have stopped.
void for_each_band(Eigen::Index total, Eigen::Index band,
                   const std::function<void(Eigen::Index, Eigen::Index, Eigen::Index)>& body);

}  // namespace trnsim::compress
