// SystemC owns main(); the program starts here.
#include <systemc>

#include "sim/cli/cli.h"

int sc_main(int argc, char** argv) { return trnsim::cli::run_cli(argc, argv); }
