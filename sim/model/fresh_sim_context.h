// Installs a fresh SystemC kernel for its lifetime and removes it afterwards, so any number of
// simulations can run one after another in a process (SystemC 2.3 cannot elaborate again after
// sc_start). Every sc_object and sc_event of a simulation must be built while it is installed.
#pragma once

#include <systemc>

namespace trnsim::model {

class FreshSimContext {
 public:
  FreshSimContext() : context_(new sc_core::sc_simcontext) {
    sc_core::sc_curr_simcontext = context_;
    sc_core::sc_default_global_context = context_;
  }
  ~FreshSimContext() {
    delete context_;
    sc_core::sc_curr_simcontext = nullptr;
    sc_core::sc_default_global_context = nullptr;
  }
  FreshSimContext(const FreshSimContext&) = delete;
  FreshSimContext& operator=(const FreshSimContext&) = delete;

 private:
  sc_core::sc_simcontext* context_;
};

}  // namespace trnsim::model
