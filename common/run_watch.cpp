#include "common/run_watch.h"

#include <cstdio>

namespace trnsim {

namespace {

constexpr double kFirstDrawSeconds = 1.0;  // short runs draw nothing
constexpr double kRedrawSeconds = 0.25;

}  // namespace

RunWatch::RunWatch(std::string what, double max_seconds, bool show_progress)
    : what_(std::move(what)),
      max_seconds_(max_seconds),
      show_progress_(show_progress),
      start_(std::chrono::steady_clock::now()) {}

RunWatch::~RunWatch() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

double RunWatch::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool RunWatch::check(const char* phase, int64_t done, int64_t total) {
  const double t = elapsed_seconds();
  if (max_seconds_ > 0 && t > max_seconds_) expired_ = true;
  if (show_progress_ && t >= kFirstDrawSeconds && t - last_drawn_ >= kRedrawSeconds) {
    if (total > 0)
      std::fprintf(stderr, "\r\033[Ktrnsim: %s %s: %lld of %lld instructions (%.0f%%), %.0f s",
                   phase, what_.c_str(), static_cast<long long>(done),
                   static_cast<long long>(total), 100.0 * done / total, t);
    else
      std::fprintf(stderr, "\r\033[Ktrnsim: %s %s: %lld instructions, %.0f s", phase,
                   what_.c_str(), static_cast<long long>(done), t);
    std::fflush(stderr);
    last_drawn_ = t;
    drawn_ = true;
  }
  return !expired_;
}

std::string RunWatch::time_limit_message() const {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", max_seconds_);
  return what_ + " stopped after its time limit of " + seconds +
         " s (--max-seconds; 0 for none)";
}

}  // namespace trnsim
