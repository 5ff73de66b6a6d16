// `trnsim calibrate` (issue 10): the bounded least-squares solver on functions whose minimum is
// known, and a recovery test: latencies simulated at known parameter values are taken as the
// "measurements", and calibrating from trn1's values finds those values again.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "sim/config/hw_config_loader.h"
#include "sim/run/calibrate.h"
#include "sim/run/least_squares.h"
#include "tests/cli_runner.h"

namespace trnsim {
namespace {

TEST(LeastSquares, FindsTheMinimumOfALinearProblem) {
  // r = (x0 - 0.3, 2 (x1 - 0.7), x0 + x1 - 1): zero at (0.3, 0.7).
  const run::LeastSquaresResult r = run::bounded_least_squares(
      [](const std::vector<double>& x) {
        return std::vector<double>{x[0] - 0.3, 2 * (x[1] - 0.7), x[0] + x[1] - 1};
      },
      {0.9, 0.1});
  EXPECT_NEAR(r.x[0], 0.3, 1e-3);
  EXPECT_NEAR(r.x[1], 0.7, 1e-3);
}

TEST(LeastSquares, StopsAtTheBoundOfTheBox) {
  // r = x - 1.5 is smallest at x = 1.5, outside [0, 1]: the fit stops at 1.
  const run::LeastSquaresResult r = run::bounded_least_squares(
      [](const std::vector<double>& x) { return std::vector<double>{x[0] - 1.5}; }, {0.2});
  EXPECT_DOUBLE_EQ(r.x[0], 1.0);
  EXPECT_NEAR(r.cost, 0.25, 1e-12);
}

// The four tutorial kernels at two small shapes, "measured" on trn1 with the given overrides.
run::MeasurementSet simulated_measurements(const std::vector<std::string>& truth) {
  run::MeasurementSet set;
  set.description = "recovery";
  set.source = "simulated by the test";
  set.hw = "trn1";
  set.dtype = "bf16";
  // matmul_optimized's default blocks need M a multiple of 2048 and K, N of 1024.
  for (const char* shape : {"M=2048,K=1024,N=1024", "M=2048,K=2048,N=2048"})
    for (const char* kernel : {"matmul_naive", "matmul_hoisted", "matmul_blocked",
                               "matmul_optimized"})
    {
      run::Measurement m;
      m.kernel = kernel;
      m.shape = shape;
      m.latency_ms = 1.0;
      set.measurements.push_back(m);
    }
  HwConfig machine = load_hw_config("trn1");
  apply_overrides(machine, truth);
  const std::vector<run::Comparison> rows = run::compare(set, machine);
  for (size_t i = 0; i < rows.size(); ++i) set.measurements[i].latency_ms = rows[i].simulated_ms;
  return set;
}

TEST(Calibrate, RecoversTheParametersThatMadeTheMeasurements) {
  // Truth: DMA engines at 5.5 elements/ns (bf16: 11 B/ns of the 17 B/ns byte rate) and
  // TensorE at 2.4 GHz (trn1.yaml: 2.8), with HBM at its full peak and no separate store rate,
  // so that the element rate is what limits the DMA-bound kernels (naive, hoisted); they pin
  // the first parameter, the compute-heavy ones the second (with trn1's store rate, the
  // optimized kernel's stores bind and hide part of the clock). The fit starts from trn1's
  // values.
  const std::vector<std::string> fixed = {"hbm.efficiency=1",
                                          "dma.engine_hbm_write_bytes_per_ns=17"};
  std::vector<std::string> truth = fixed;
  truth.insert(truth.end(), {"dma.engine_elements_per_ns=5.5", "tensor.clock_ghz=2.4"});
  const run::MeasurementSet measured = simulated_measurements(truth);
  HwConfig start = load_hw_config("trn1");
  apply_overrides(start, fixed);
  const run::CalibrationResult r = run::calibrate(
      {measured}, start,
      {run::parse_fitted_parameter("dma.engine_elements_per_ns=4:8.5", start),
       run::parse_fitted_parameter("tensor.clock_ghz=1.4:5.6", start)});
  ASSERT_EQ(r.parameters.size(), 2u);
  EXPECT_NEAR(r.parameters[0].fitted, 5.5, 0.02 * 5.5);
  EXPECT_NEAR(r.parameters[1].fitted, 2.4, 0.02 * 2.4);
  EXPECT_GT(r.mape_before, 5.0);  // the start really was off
  EXPECT_LT(r.mape_after, 1.0);
  EXPECT_LT(r.mape_held_out, 2.0);
  EXPECT_EQ(r.folds, 8);  // leave-one-out over 8 rows
}

TEST(Calibrate, BadParametersAreOneLine) {
  const HwConfig start = load_hw_config("trn1");
  EXPECT_TRUE(testing::throws_user_error(
      [&] { run::parse_fitted_parameter("hbm.efficency", start); },
      "'hbm.efficency' is not a hardware parameter"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { run::parse_fitted_parameter("dma.engines", start); }, "is not a real number"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { run::parse_fitted_parameter("hbm.efficiency=0.5:0.4", start); },
      "expected KEY=LOW:HIGH with LOW < HIGH"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] { run::parse_fitted_parameter("hbm.efficiency=0.3:0.6", start); },
      "the machine's value 1 is outside the bounds 0.3 .. 0.6"));
}

TEST(CalibrateCli, WritesAConfigThatNamesItsOriginAndLoadsBack) {
  // Measurements made with DMA engines at 5.5 elements/ns (trn1.yaml: 4.25) as a file,
  // calibrated from trn1 by the command (its default --params is that rate): the config it
  // writes names the file, loads back, and holds 5.5 within 2%. A ninth row, 100 times off and
  // marked not_fitted, is left out of the fit: it would pull the rate to a bound.
  const run::MeasurementSet set = simulated_measurements({"dma.engine_elements_per_ns=5.5"});
  std::string rows;
  for (const run::Measurement& m : set.measurements)
    rows += std::string(rows.empty() ? "" : ",\n") + "{\"kernel\": \"" + m.kernel +
            "\", \"shape\": \"" + m.shape + "\", \"latency_ms\": " +
            std::to_string(m.latency_ms) + "}";
  rows += ",\n{\"kernel\": \"" + set.measurements[0].kernel + "\", \"shape\": \"" +
          set.measurements[0].shape + "\", \"latency_ms\": " +
          std::to_string(100 * set.measurements[0].latency_ms) +
          ", \"not_fitted\": \"a mechanism the test leaves out\"}";
  const std::string measured = testing::write(
      "recovery.json", "{\"description\": \"d\", \"source\": \"simulated at "
                       "dma.engine_elements_per_ns=5.5\", \"method\": \"m\", \"caveats\": \"c\", "
                       "\"hw\": \"trn1\", \"dtype\": \"bf16\", \"measurements\": [" + rows + "]}");
  const std::string out = testing::temp_path("calibrated.yaml");
  const testing::Result r = testing::trnsim("calibrate " + measured + " -o " + out + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string yaml = testing::read_text(out);
  EXPECT_NE(yaml.find("recovery.json (8 of its 9 rows; source: simulated at "
                      "dma.engine_elements_per_ns=5.5)"),
            std::string::npos) << yaml;
  EXPECT_NE(yaml.find("base: trn1"), std::string::npos);
  EXPECT_NE(yaml.find("# calibrated (bounds 4.25 .. 8.5; was 4.25)"), std::string::npos);
  const HwConfig calibrated = load_hw_config(out);
  EXPECT_EQ(calibrated.name, "trn1-calibrated");
  EXPECT_NEAR(calibrated.dma.engine_elements_per_ns, 5.5, 0.02 * 5.5);
  // compare still runs the row left out, and says why it was.
  const testing::Result c = testing::trnsim("compare " + measured + " --json");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const nlohmann::json rows_out = nlohmann::json::parse(c.out).at("rows");
  ASSERT_EQ(rows_out.size(), 9u);
  EXPECT_EQ(rows_out[8].at("not_fitted"), "a mechanism the test leaves out");
  EXPECT_FALSE(rows_out[0].contains("not_fitted"));
  testing::expect_one_line_error(
      testing::trnsim("calibrate " + measured + " --params dma.engines -o " + out), 2,
      "is not a real number");
}

TEST(CompareCli, EachFileIsASourceWithItsErrorAndWorstRow) {
  // Two files: measurements made with HBM at 20% of peak and the same rows at trn1's own
  // values. On trn1 the second file's rows are simulated exactly as they were "measured"
  // (0% each); the first file's worst row is the one with the largest |error| of its rows.
  const run::MeasurementSet off = simulated_measurements({"hbm.efficiency=0.2"});
  const run::MeasurementSet exact = simulated_measurements({});
  const auto file_of = [](const run::MeasurementSet& set, const std::string& name) {
    std::string rows;
    for (const run::Measurement& m : set.measurements)
      rows += std::string(rows.empty() ? "" : ",") + "{\"kernel\": \"" + m.kernel +
              "\", \"shape\": \"" + m.shape + "\", \"latency_ms\": " +
              std::to_string(m.latency_ms) + "}";
    return testing::write(name, "{\"description\": \"" + name + "\", \"source\": \"s\", "
                                "\"method\": \"m\", \"caveats\": \"c\", \"hw\": \"trn1\", "
                                "\"dtype\": \"bf16\", \"measurements\": [" +
                                    rows + "]}");
  };
  const testing::Result r = testing::trnsim("compare " + file_of(off, "off.json") + " " +
                                            file_of(exact, "exact.json") + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("sources").size(), 2u);
  const nlohmann::json& first = j["sources"][0];
  double worst = 0;
  for (const nlohmann::json& row : first.at("rows"))
    worst = std::max(worst, std::fabs(row.at("error_percent").get<double>()));
  EXPECT_DOUBLE_EQ(std::fabs(first.at("worst").at("error_percent").get<double>()), worst);
  EXPECT_GT(worst, 1.0);
  // std::to_string keeps 6 decimals of a millisecond: the exact file is within 1e-4 %.
  EXPECT_LT(j["sources"][1].at("mape_percent").get<double>(), 1e-3);
  EXPECT_NEAR(j.at("mape_percent").get<double>(),
              (first.at("mape_percent").get<double>() +
               j["sources"][1].at("mape_percent").get<double>()) / 2, 1e-9);
}

}  // namespace
}  // namespace trnsim
