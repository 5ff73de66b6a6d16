// The `trnsim` program. It owns main() rather than relying on SystemC's: every simulation
// installs a SystemC context of its own (sim/model/neuron_core.cpp), and SystemC's default
// entry would print its banner before any summary. libsystemc still refers to sc_main, so it
// is defined too, with the same behaviour.
#include <cstdlib>

#include "sim/cli/cli.h"

extern "C" int sc_main(int argc, char** argv) { return trnsim::cli::run_cli(argc, argv); }

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_main(argc, argv);
}
