// `trnsim compress` on a sharded Hugging Face checkpoint (kernels/compress/checkpoint.h): a
// two-shard model the test makes itself, its new index, copies and factors, and the bad
// checkpoints that are refused in one line with nothing written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kernels/compress/checkpoint.h"
#include "sim/cli/compress_command.h"
#include "tests/compress_matrices.h"
#include "tests/test_helpers.h"

namespace trnsim::compress {
namespace {

namespace fs = std::filesystem;
using testing_matrices::best_relative_error;
using testing_matrices::with_spectrum;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string fresh_dir(const std::string& name) { return testing::fresh_dir("compress_" + name); }

// A two-shard checkpoint in Hugging Face's layout that the test makes itself: one decoder
// layer of a tiny model (hidden 256, intermediate 512), nn.Linear weights as [out, in].
class CompressCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    const Eigen::VectorXd sigma = Eigen::VectorXd::LinSpaced(256, 3, 0.01);
    gate_ = with_spectrum(512, 256, sigma, 31);
    up_ = with_spectrum(512, 256, sigma, 33);
    down_ = with_spectrum(256, 512, sigma, 35);
    embed_ = Matrix::Random(64, 256);
    norm_ = Matrix::Random(1, 256);
    const std::string layer = "model.layers.0.";
    WeightsWriter first(FileFormat::safetensors, dir_ + "/model-00001-of-00002.safetensors",
                        {{"model.embed_tokens.weight", Dtype::fp32, 64, 256},
                         {layer + "mlp.gate_proj.weight", Dtype::fp32, 512, 256},
                         {layer + "mlp.up_proj.weight", Dtype::fp32, 512, 256},
                         {layer + "input_layernorm.weight", Dtype::fp32, 1, 256, {256}}});
    for (const Matrix* m : {&embed_, &gate_, &up_, &norm_}) first.write(*m);
    first.commit();
    WeightsWriter second(FileFormat::safetensors, dir_ + "/model-00002-of-00002.safetensors",
                         {{layer + "mlp.down_proj.weight", Dtype::fp32, 256, 512},
                          {"model.norm.weight", Dtype::fp32, 1, 256, {256}}});
    second.write(down_);
    second.write(norm_);
    second.commit();
    const std::string a = "model-00001-of-00002.safetensors";
    const std::string b = "model-00002-of-00002.safetensors";
    index_ = {{"metadata", {{"total_size", 0}}},
              {"weight_map", {{"model.embed_tokens.weight", a}, {layer + "mlp.gate_proj.weight", a},
                              {layer + "mlp.up_proj.weight", a},
                              {layer + "input_layernorm.weight", a},
                              {layer + "mlp.down_proj.weight", b}, {"model.norm.weight", b}}}};
    write_index(index_);
  }
  void write_index(const nlohmann::json& j) const {
    write_bytes(dir_ + "/model.safetensors.index.json", j.dump());
  }
  cli::CompressOptions options() const {
    cli::CompressOptions o;
    o.weights = dir_;  // the folder: its model.safetensors.index.json
    o.ratio = 0.5;
    o.block = 128;
    o.output = dir_ + "/compressed";
    o.json = true;
    return o;
  }

  std::string dir_;
  Matrix gate_, up_, down_, embed_, norm_;
  nlohmann::json index_;
};

TEST_F(CompressCheckpoint, FactorsTheMlpWeightsAndCopiesTheRest) {
  std::ostringstream out;
  cli::run_compress(options(), out);
  const nlohmann::json report = nlohmann::json::parse(out.str());
  EXPECT_EQ(report["copied"], 3);
  EXPECT_EQ(report["shards"], 2);
  ASSERT_EQ(report["tensors"].size(), 3u);
  // rank = round(512 x 256 x 0.5 / (768 x 128)) x 128 = 128 for each of the three; the error is
  // Eckart-Young's optimum for the spectrum the test gave them (fp32: no rounding to speak of).
  const Eigen::VectorXd sigma = Eigen::VectorXd::LinSpaced(256, 3, 0.01);
  for (const auto& t : report["tensors"]) {
    EXPECT_EQ(t["rank"], 128);
    EXPECT_NEAR(t["relative_error"].get<double>(), best_relative_error(sigma, 128), 1e-4);
  }
  // The new index names every tensor once, factors beside the copies in the same shard.
  const std::string folder = dir_ + "/compressed";
  const nlohmann::json index =
      nlohmann::json::parse(testing::read_text(folder + "/model.safetensors.index.json"));
  const auto& map = index["weight_map"];
  EXPECT_EQ(map.size(), 3u + 2 * 3u);
  EXPECT_EQ(map["model.layers.0.mlp.down_proj.weight.U"], "model-00002-of-00002.safetensors");
  EXPECT_FALSE(map.contains("model.layers.0.mlp.down_proj.weight"));
  // The copies are the same values with the same shapes ([256] stays one-dimensional).
  const WeightsFile first = WeightsFile::open(folder + "/model-00001-of-00002.safetensors");
  EXPECT_EQ(first.find("model.layers.0.input_layernorm.weight")->shape,
            std::vector<int64_t>{256});
  EXPECT_TRUE(first.read_matrix("model.embed_tokens.weight") == embed_);
  const WeightsFile second = WeightsFile::open(folder + "/model-00002-of-00002.safetensors");
  const Matrix u = second.read_matrix("model.layers.0.mlp.down_proj.weight.U");
  const Matrix v = second.read_matrix("model.layers.0.mlp.down_proj.weight.V");
  EXPECT_EQ(u.rows(), 256);
  EXPECT_EQ(v.cols(), 512);
  EXPECT_NEAR((down_ - u * v).norm() / down_.norm(), best_relative_error(sigma, 128), 1e-4);
}

TEST_F(CompressCheckpoint, BadCheckpointsAreOneLineAndWriteNothing) {
  auto fails = [&](const std::string& part) {
    std::ostringstream out;
    EXPECT_TRUE(testing::throws_user_error([&] { cli::run_compress(options(), out); }, part));
    EXPECT_FALSE(fs::exists(dir_ + "/compressed"));
    EXPECT_EQ(out.str(), "");
  };
  nlohmann::json bad = index_;
  bad["weight_map"]["model.extra.weight"] = "model-00001-of-00002.safetensors";
  write_index(bad);
  fails("'model.extra.weight' is not in its shard");
  bad = index_;
  bad["weight_map"]["model.norm.weight"] = "../elsewhere.safetensors";
  write_index(bad);
  fails("is not a .safetensors file name in the index's folder");
  write_index({{"weights", {}}});
  fails("expected an object with \"weight_map\"");
  bad = index_;
  bad["weight_map"].erase("model.norm.weight");
  write_index(bad);
  fails("holds 'model.norm.weight', which the index does not list");
  write_index(index_);
  fs::create_directory(dir_ + "/compressed");
  std::ostringstream out;
  EXPECT_TRUE(testing::throws_user_error([&] { cli::run_compress(options(), out); }, "exists"));
}

}  // namespace
}  // namespace trnsim::compress
