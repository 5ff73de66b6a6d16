// A Program as JSON, the file format of `trnsim run-program` (documented with an example in
// sim/isa/PROGRAM_FORMAT.md). Writing omits fields equal to their defaults; reading rejects
// anything malformed with one line "<origin>: <json path>: <problem>", then runs validate().
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/isa/program.h"

namespace trnsim::isa {

constexpr const char* kProgramFormat = "trnsim-program";
constexpr int kProgramFormatVersion = 1;

// HBM operands are written by tensor name; a tensor index out of range (an invalid program) is
// written as the bare number, which program_from_json rejects.
nlohmann::json program_to_json(const Program& p);

// `origin` names the source in error messages (a file path, "<stdin>", a test name).
// Throws InputError for malformed JSON content or a program that fails validate().
Program program_from_json(const nlohmann::json& j, const std::string& origin);

// The bytes of a program file, parsed as parse_json_input() does (bounded depth, no duplicate
// keys, every parse failure one line), then decoded; throws InputError.
Program program_from_text(std::string_view text, const std::string& origin);

// Reads (a regular file only, see common/input_file.h) and decodes a program file; throws
// InputError naming the path.
Program load_program(const std::string& path);

// Validates, then writes one instruction per line to `out`; a program that fails validate()
// throws UserError "<origin>: not saved: ..." before anything is written. The CLI writes to an
// OutputSet file (common/output_set.h), so a reader never sees a half-written program.
void write_program(std::ostream& out, const Program& p, const std::string& origin);

}  // namespace trnsim::isa
