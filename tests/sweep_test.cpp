// `trnsim sweep` (issue 12): a spec expands to its grid, every point is the run it names, the
// cache makes a second sweep free, the local pool gives the serial results, failed and dead
// points are recorded without stopping the sweep, and a malformed spec is one line.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "sim/config/hw_config_loader.h"
#include "sim/run/sweep.h"
#include "tests/cli_runner.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;

// 2 kernels x 2 shapes x 2 SBUF sizes x 2 HBM efficiencies = 16 points; the M=100 shape of
// matmul_optimized is not whole tiles, so its 4 points fail.
const char* kSpec = R"(hw: trn1
runs:
  - kernel: matmul_optimized
    shapes: ["M=512,K=1024,N=1024", "M=100,K=1024,N=1024"]
    params: ["TILES_IN_BLOCK_M=2,TILES_IN_BLOCK_N=2,TILES_IN_BLOCK_K=2"]
  - kernel: mlp_neuronmm
    shapes: ["S=128,H=512,I=1024,R=256"]
  - kernel: xuv_fused
    shapes: ["M=512,K=1024,R=256,N=1024"]
    params: ["TILES_IN_BLOCK_K=2,TILES_IN_BLOCK_R=1,TILES_IN_BLOCK_M=2,TILES_IN_BLOCK_N=1"]
set:
  sbuf.bytes_per_partition: [98304, 196608]
  hbm.efficiency: [0.2, 0.3]
)";

std::string write_spec(const std::string& name, const std::string& text) {
  const std::string path = testing::temp_path(name);
  std::ofstream(path) << text;
  return path;
}

run::SweepRun sweep(const run::SweepSpec& spec, const std::string& cache, int jobs,
                    const std::string& trnsim = testing::trnsim_binary()) {
  return run::run_sweep(spec, trnsim, cache, jobs, "");
}

TEST(Sweep, EveryPointIsTheRunItNamesAndTheCacheMakesARepeatFree) {
  const run::SweepSpec spec = run::load_sweep_spec(write_spec("sweep.yaml", kSpec));
  ASSERT_EQ(spec.points.size(), 16u);
  const std::string cache = testing::fresh_dir("sweep_cache_serial");
  const run::SweepRun first = sweep(spec, cache, 1);
  EXPECT_EQ(first.ran, 16);
  EXPECT_EQ(first.failed, 4);
  EXPECT_EQ(first.crashed, 0);
  // A point is the kernel run with its --set values: the same simulated time as running it
  // directly (the last key varies fastest: point 1 is sbuf 98304, efficiency 0.3).
  run::KernelRunRequest direct;
  direct.kernel = "matmul_optimized";
  direct.hw = load_hw_config("trn1");
  apply_overrides(direct.hw, {"sbuf.bytes_per_partition=98304", "hbm.efficiency=0.3"});
  direct.shape = {{"M", 512}, {"K", 1024}, {"N", 1024}};
  direct.params = {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}};
  EXPECT_EQ(first.results[1]["set"][1], "hbm.efficiency=0.3");
  EXPECT_EQ(first.results[1]["sim_time_ns"].get<double>(),
            run::run_kernel(direct).run.sim_time_ns);
  // The M=100 points failed with the kernel's own one-line error, recorded like a result.
  EXPECT_TRUE(testing::contains(first.results[4]["error"].get<std::string>(), "M=100"));
  const run::SweepRun again = sweep(spec, cache, 1);
  EXPECT_EQ(again.cached, 16);
  EXPECT_EQ(again.ran, 0);
  EXPECT_EQ(again.results, first.results);
}

TEST(Sweep, TheLocalPoolGivesTheSerialResults) {
  const run::SweepSpec spec = run::load_sweep_spec(write_spec("sweep_pool.yaml", kSpec));
  const run::SweepRun serial = sweep(spec, testing::fresh_dir("sweep_cache_one"), 1);
  const run::SweepRun pooled = sweep(spec, testing::fresh_dir("sweep_cache_two"), 2);
  EXPECT_EQ(pooled.results, serial.results);
}

TEST(Sweep, APointWhoseProcessDiesIsRecordedAndTheOthersFinish) {
  const run::SweepSpec spec = run::load_sweep_spec(write_spec("sweep_dies.yaml", kSpec));
  // A trnsim that is killed for one point (SIGKILL, as an out-of-memory killer would).
  const std::string victim = spec.points[0].hash;
  const std::string wrapper = testing::temp_path("dying_trnsim.sh");
  std::ofstream(wrapper) << "#!/bin/sh\ncase \"$*\" in *" << victim << "*) kill -9 $$;; esac\n"
                         << "exec " << testing::trnsim_binary() << " \"$@\"\n";
  chmod(wrapper.c_str(), 0755);
  const std::string cache = testing::fresh_dir("sweep_cache_dies");
  const run::SweepRun r = sweep(spec, cache, 2, wrapper);
  EXPECT_EQ(r.crashed, 1);
  EXPECT_EQ(r.failed, 4 + 1);
  EXPECT_TRUE(testing::contains(r.results[0]["error"].get<std::string>(), "ended with code"));
  EXPECT_TRUE(r.results[1]["error"].is_null());
  // No record for the dead point: the next sweep runs it (and only it) again.
  EXPECT_EQ(sweep(spec, cache, 1).ran, 1);
}

TEST(Sweep, EmittedCommandsRunThePointsTheCacheLacks) {
  const std::string spec_path = write_spec("sweep_emit.yaml", kSpec);
  const std::string cache = testing::fresh_dir("sweep_cache_emit");
  const testing::Result emitted =
      testing::trnsim("sweep " + spec_path + " --cache " + cache + " --emit-commands");
  ASSERT_EQ(emitted.exit_code, 0) << emitted.err;
  std::istringstream lines(emitted.out);
  std::string first;
  std::getline(lines, first);
  size_t count = 1;
  for (std::string line; std::getline(lines, line);) ++count;
  EXPECT_EQ(count, 16u);
  EXPECT_EQ(std::system(first.c_str()), 0) << first;
  const run::SweepSpec spec = run::load_sweep_spec(spec_path);
  EXPECT_TRUE(fs::exists(run::point_record_path(cache, spec.points[0])));
  EXPECT_EQ(sweep(spec, cache, 2).cached, 1);
}

TEST(Sweep, AMalformedSpecIsOneLineBeforeAnythingRuns) {
  auto error_of = [](const std::string& text) {
    const std::string path = write_spec("bad_sweep.yaml", text);
    return testing::user_error_of([&] { run::load_sweep_spec(path); });
  };
  EXPECT_TRUE(testing::contains(error_of("hw: trn1\nrnus: []\n"),
                                ":2: rnus: unknown key; did you mean 'runs'"));
  EXPECT_TRUE(testing::contains(error_of("hw: trn1\n"), "runs: missing"));
  EXPECT_TRUE(testing::contains(
      error_of("runs:\n  - kernel: matmul_optimised\n"), "unknown kernel 'matmul_optimised'"));
  EXPECT_TRUE(testing::contains(
      error_of("runs:\n  - kernel: matmul_naive\nset:\n  hbm.efficency: [0.2]\n"),
      "hbm.efficency"));
  EXPECT_TRUE(testing::contains(
      error_of("runs:\n  - kernel: matmul_naive\n    shapes: [\"Q=1\"]\n"), "Q"));
  EXPECT_TRUE(testing::contains(error_of("runs:\n  - kernel: matmul_naive\nsample: -1\n"),
                                "sample: expected an integer"));
  testing::expect_one_line_error(testing::trnsim("sweep " + testing::temp_path("none.yaml")), 2,
                                 "none.yaml");
}

}  // namespace
}  // namespace trnsim

namespace trnsim {
namespace {

TEST(Sweep, ADaskClusterWithTwoWorkersGivesTheSerialResults) {
  // A 16-point sweep on a local Dask cluster (python3-distributed), each task a trnsim process.
  const std::string stop = testing::temp_path("dask_stop");
  std::remove(stop.c_str());
  const std::string command = "PYTHONPATH=" + std::string(TRNSIM_SOURCE_DIR) +
                              "/python /usr/bin/python3 " + std::string(TRNSIM_SOURCE_DIR) +
                              "/tests/python/dask_cluster.py " + stop;
  FILE* cluster = popen(command.c_str(), "r");
  ASSERT_NE(cluster, nullptr);
  char line[256] = {0};
  const bool started = std::fgets(line, sizeof line, cluster) != nullptr;
  std::string address(line);
  address.erase(address.find_last_not_of("\n") + 1);
  run::SweepRun on_dask, serial;
  if (started) {
    const run::SweepSpec spec = run::load_sweep_spec(write_spec("sweep_dask.yaml", kSpec));
    on_dask = run::run_sweep(spec, testing::trnsim_binary(),
                             testing::fresh_dir("sweep_cache_dask"), 2, address);
    serial = sweep(spec, testing::fresh_dir("sweep_cache_dask_serial"), 1);
  }
  std::ofstream(stop) << "stop";
  pclose(cluster);
  ASSERT_TRUE(started) << "the Dask cluster did not start (is python3-distributed installed?)";
  EXPECT_EQ(on_dask.ran, 16);
  EXPECT_EQ(on_dask.crashed, 0);
  EXPECT_EQ(on_dask.results, serial.results);
}

}  // namespace
}  // namespace trnsim
