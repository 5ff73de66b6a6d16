#include "sim/cli/pe_frames_output.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "common/error.h"
#include "sim/cli/simulation_options.h"
#include "sim/run/nki_run.h"
#include "sim/trace/pe_frames_json.h"

namespace trnsim::cli {

namespace fs = std::filesystem;

void check_pe_frames_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec))
    throw UsageError("--pe-frames: " + dir + " exists already; give a new folder");
}

void write_pe_frames(const model::PeFrameLog& log, const std::string& dir) {
  const fs::path target = fs::absolute(dir);
  const fs::path staging =
      target.parent_path() / ("." + target.filename().string() + ".partial-" +
                              std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (!fs::create_directories(staging, ec))
    throw UserError("--pe-frames: cannot create " + staging.string() + ": " + ec.message());
  try {
    const fs::path json = staging / "frames.json";
    {
      std::ofstream out(json);
      trace::write_pe_frames_json(out, log);
      if (!out.flush()) throw UserError("--pe-frames: cannot write " + json.string());
    }
    const run::PythonResult drawn =
        run::run_python_module({json.string(), staging.string()}, "trnsim.pe_frames");
    if (drawn.exit_code != 0)
      throw UserError("--pe-frames: drawing the frames failed: " + drawn.message);
    fs::rename(staging, target, ec);
    if (ec) throw UserError("--pe-frames: cannot move the frames to " + dir + ": " + ec.message());
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
}

}  // namespace trnsim::cli
