// The `trnsim` command line: parses arguments and wires the library together. Returns the
// process exit code: 0 success, 1 a run that failed, 2 bad usage.
#pragma once

namespace trnsim::cli {

int run_cli(int argc, char** argv);

}  // namespace trnsim::cli
