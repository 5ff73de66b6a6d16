// A kernel recorded by the NKI tracer (python/trnsim_nki, format in python/TRACE_FORMAT.md),
// replayed on any Backend exactly as a C++ kernel makes its calls: HBM tensors and tiles are
// declared where the trace declares them, each recorded loop becomes a Backend::for_range whose
// body replays the recorded iterations in order, and every operation is the Backend call of
// the same name. So SimBackend's tile rotation, hazards, DMA queues and costs see the same
// scopes and calls as for the C++ kernel the file was emitted from.
//
// load() reads a regular file only (common/input_file.h), checks the header, every event's
// name and fields (an unknown one is refused with a did-you-mean) and the loop structure, and
// throws InputError naming the trace file and line and what was expected; replay() throws
// InputError for a bad value in an event and UserError for a call the backend refuses, naming
// the kernel file and line the event came from.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/api/backend.h"

namespace trnsim::nki {

constexpr const char* kTraceFormat = "trnsim-nki-trace";
constexpr int kTraceVersion = 2;  // 2: views as arrays

class TraceKernel {
 public:
  static TraceKernel load(const std::string& path);
  // The same from the file's bytes; `origin` names them in errors.
  static TraceKernel from_text(std::string_view text, const std::string& origin);

  const std::string& name() const;  // the kernel function's name, from the header
  const std::string& source() const;  // the traced kernel file (header "source"), or ""
  // The names of the HBM tensors the kernel function returned, in order (the header's
  // "returns"; empty for a trace without it). Numerics compare these with a reference.
  const std::vector<std::string>& returns() const;
  // The N-D shape of each HBM tensor declared with one ("shape"), by name; a tensor without
  // one is rows x cols. Checked against rows x cols when replayed.
  std::map<std::string, std::vector<int64_t>> hbm_shapes() const;
  void replay(Backend& backend) const;

  struct Events;  // the parsed lines and their loop structure (trace_kernel.cpp)

 private:
  explicit TraceKernel(std::shared_ptr<const Events> events) : events_(std::move(events)) {}
  std::shared_ptr<const Events> events_;
};

}  // namespace trnsim::nki
