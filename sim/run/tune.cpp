#include "sim/run/tune.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/run/kernel_run.h"
#include "sim/cost/lower_bound.h"
#include "sim/model/neuron_core.h"

namespace trnsim::run {
namespace {


struct Outcome {
  enum { rejected, pruned, simulated } kind = rejected;
  double ms = 0;
};

// Simulates one configuration unless the kernel rejects it, or its lower bound is already
// slower than `cutoff_ms` (the slowest of the configurations kept so far).
Outcome evaluate(const KernelSpec& spec, const TuneRequest& r, const Assignments& params,
                 double cutoff_ms) {
  isa::Program program;
  try {
    program = build_kernel_program(spec, r.hw, r.shape, params, r.dtype, r.budget);
  } catch (const UserError&) {
    return {};
  }
  if (cost::lower_bound_ns(program, r.hw) / 1e6 >= cutoff_ms) return {Outcome::pruned, 0};
  try {
    model::SimulationOptions options;
    options.budget = r.budget;
    return {Outcome::simulated, model::simulate(program, r.hw, options).sim_time_ns / 1e6};
  } catch (const UserError&) {
    return {};
  }
}


// One worker's share: candidates whose index % workers == worker. Each keeps its own ranking,
// so the merged ranking is the same as one search over everything.
TuneReport search(const KernelSpec& spec, const TuneRequest& r,
                  const std::vector<std::string>& names, int worker, int workers) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  TuneReport report;
  auto cutoff = [&] {
    return report.ranked.size() < r.keep ? 1e300 : report.ranked[r.keep - 1].sim_ms;
  };
  // Odometer over names x values, largest values first: big blocks are usually fast or
  // rejected at once, and a fast early configuration lets the bound prune more.
  std::vector<int64_t> values = r.values;
  std::sort(values.rbegin(), values.rend());
  std::vector<size_t> digit(names.size(), 0);
  for (int64_t index = 0;; ++index) {
    if (elapsed() > r.time_limit_s) {
      report.stopped_early = true;
      break;
    }
    if (index % workers == worker) {
      Assignments params;
      for (size_t i = 0; i < names.size(); ++i) params[names[i]] = values[digit[i]];
      ++report.candidates;
      const Outcome o = evaluate(spec, r, params, cutoff());
      if (o.kind == Outcome::rejected) ++report.rejected;
      if (o.kind == Outcome::pruned) ++report.pruned;
      if (o.kind == Outcome::simulated) {
        ++report.evaluated;
        report.ranked.push_back({params, o.ms});
        std::sort(report.ranked.begin(), report.ranked.end(),
                  [](const TunedConfig& a, const TunedConfig& b) { return a.sim_ms < b.sim_ms; });
        if (report.ranked.size() > r.keep) report.ranked.pop_back();
      }
    }
    size_t i = 0;
    while (i < digit.size() && ++digit[i] == values.size()) digit[i++] = 0;
    if (i == digit.size()) break;
  }
  return report;
}

// A worker's report as text lines for the pipe: counts, then "ms name=value ...".
std::string serialize(const TuneReport& t) {
  std::ostringstream out;
  out << t.candidates << " " << t.rejected << " " << t.pruned << " " << t.evaluated << " "
      << t.stopped_early << "\n";
  for (const TunedConfig& c : t.ranked) {
    out.precision(17);
    out << c.sim_ms;
    for (const auto& [k, v] : c.params) out << " " << k << " " << v;
    out << "\n";
  }
  return out.str();
}

void merge(TuneReport& into, const std::string& text) {
  std::istringstream in(text);
  TuneReport t;
  in >> t.candidates >> t.rejected >> t.pruned >> t.evaluated >> t.stopped_early;
  into.candidates += t.candidates;
  into.rejected += t.rejected;
  into.pruned += t.pruned;
  into.evaluated += t.evaluated;
  into.stopped_early |= t.stopped_early;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    TunedConfig c;
    fields >> c.sim_ms;
    std::string key;
    int64_t value;
    while (fields >> key >> value) c.params[key] = value;
    into.ranked.push_back(c);
  }
}

}  // namespace

TuneReport tune(const TuneRequest& r) {
  const KernelSpec& spec = find_kernel(r.kernel);
  std::vector<std::string> names;
  for (const auto& [name, value] : spec.default_params)
    if (name.rfind(r.only, 0) == 0) names.push_back(name);
  if (names.empty())
    throw UserError(r.kernel + " has no block parameters" +
                    (r.only.empty() ? "" : " starting with '" + r.only + "'") + " to tune");
  merge_assignments(spec.default_shape, r.shape, spec.name, "shape key");  // validates keys
  if (r.values.empty() || r.keep == 0) throw UserError("tune: no values to try");

  const auto start = std::chrono::steady_clock::now();
  TuneReport report;
  const Outcome defaults = evaluate(spec, r, {}, 1e300);
  if (defaults.kind == Outcome::simulated) report.default_ms = defaults.ms;

  // One worker process per core; each simulation installs its own SystemC context, so a
  // forked child is as independent as a fresh process.
  const int workers = std::max(1, std::min(r.workers, 64));
  std::vector<std::pair<pid_t, int>> children;
  for (int w = 1; w < workers; ++w) {
    int fds[2];
    if (pipe(fds) != 0) break;
    const pid_t pid = fork();
    if (pid == 0) {  // never returns into the parent's code, whatever happens
      close(fds[0]);
      try {
        const std::string text = serialize(search(spec, r, names, w, workers));
        const ssize_t written = write(fds[1], text.data(), text.size());
        _exit(written == static_cast<ssize_t>(text.size()) ? 0 : 1);
      } catch (...) {
        _exit(1);
      }
    }
    close(fds[1]);
    if (pid < 0) {
      close(fds[0]);
      break;
    }
    children.emplace_back(pid, fds[0]);
  }
  const int active = static_cast<int>(children.size()) + 1;
  if (active < workers)  // a fork failed: this process takes the missing shares as well
    for (int w = active; w < workers; ++w)
      merge(report, serialize(search(spec, r, names, w, workers)));
  merge(report, serialize(search(spec, r, names, 0, workers)));
  for (const auto& [pid, fd] : children) {
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw UserError("tune: a worker process failed");
    merge(report, text);
  }
  std::sort(report.ranked.begin(), report.ranked.end(),
            [](const TunedConfig& a, const TunedConfig& b) { return a.sim_ms < b.sim_ms; });
  if (report.ranked.size() > r.keep) report.ranked.resize(r.keep);
  report.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace trnsim::run
