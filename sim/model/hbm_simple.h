// hbm.model: simple. HBM as one first-come-first-served server at bandwidth x efficiency,
// blind to addresses. A request's bursts (a DmaBurstExtension starts each request; a burst
// without one is a request of its own) are served back to back from the request's start, so a
// request of B bytes arriving at t on a server free at f completes at max(t, f) + B / rate,
// whatever its burst size.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include "sim/model/hbm.h"

namespace trnsim::model {

class SimpleHbm : public HbmMemory {
 public:
  tlm_utils::simple_target_socket<SimpleHbm> socket;

  SimpleHbm(const sc_core::sc_module_name& name, const HbmConfig& cfg);
  tlm::tlm_base_target_socket_b<>& target_socket() override { return socket; }
  bool wants_bursts() const override { return false; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  double ns_per_byte_;
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time request_start_ = sc_core::SC_ZERO_TIME;
  uint64_t request_bytes_ = 0;
};

}  // namespace trnsim::model
