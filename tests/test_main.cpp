// The test binary's entry point. Each simulation installs its own SystemC context, so the
// tests enter through main(); libsystemc refers to sc_main, which runs the same tests.
#include <gtest/gtest.h>

#include <cstdlib>

extern "C" int sc_main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_main(argc, argv);
}
