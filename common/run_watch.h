// Watches one long run as it goes: its wall-time budget (Budget::max_seconds) and, on a
// terminal, a progress line on stderr. The builder and the simulator call tick() for every
// instruction they build or complete; it reads the clock only every 4096 calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace trnsim {

class RunWatch {
 public:
  // `show_progress`: draw the progress line (the caller decides: stderr is a terminal and no
  // --quiet). `max_seconds` 0: no time limit.
  RunWatch(std::string what, double max_seconds, bool show_progress);
  ~RunWatch();  // clears the progress line
  RunWatch(const RunWatch&) = delete;
  RunWatch& operator=(const RunWatch&) = delete;

  // `done` of `total` (0: unknown) in `phase` ("building", "simulating"). False once the
  // time limit has passed: the caller stops and reports it (time_limit_message()).
  bool tick(const char* phase, int64_t done, int64_t total) {
    return due() ? check(phase, done, total) : !expired_;
  }
  // tick() in two steps, for a caller whose `done` and `total` cost something to compute:
  // due() is true every 4096th call, and only then is check() needed.
  bool due() { return ++calls_ % 4096 == 0; }
  bool check(const char* phase, int64_t done, int64_t total);

  bool expired() const { return expired_; }
  std::string time_limit_message() const;

 private:
  double elapsed_seconds() const;

  std::string what_;
  double max_seconds_;
  bool show_progress_;
  std::chrono::steady_clock::time_point start_;
  double last_drawn_ = 0;  // seconds since start_
  bool drawn_ = false;
  bool expired_ = false;
  uint64_t calls_ = 0;
};

}  // namespace trnsim
