// Reading a model description (kernels/models/configs/*.yaml): every key of LlmConfig, named
// as in the model's Hugging Face config.json. A missing, unknown, ill-typed or out-of-range key
// is one InputError line with the file, the line and the key; so is a dimension the decoder
// kernels cannot tile (say which rule).
#pragma once

#include <string>
#include <vector>

#include "kernels/models/llm_config.h"

namespace trnsim::run {

// `model` is a name from models_dir() ("Llama-3.2-1B", any case) or a path to a YAML file.
LlmConfig load_llm_model(const std::string& model);

// The folder of the bundled model files, and their names (the files' `name:`).
std::string models_dir();
std::vector<std::string> bundled_models();

}  // namespace trnsim::run
