#include "sim/model/hbm_simple.h"

#include "sim/model/core_context.h"

namespace trnsim::model {

SimpleHbm::SimpleHbm(const sc_core::sc_module_name& name, const HbmConfig& cfg)
    : HbmMemory(name),
      socket("socket"),
      ns_per_byte_(1.0 / cfg.effective_bytes_per_ns()) {
  socket.register_b_transport(this, &SimpleHbm::b_transport);
}

void SimpleHbm::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const DmaBurstExtension* burst = trans.get_extension<DmaBurstExtension>();
  if (!burst || burst->starts_request) {
    const sc_core::sc_time arrival = now + delay;
    request_start_ = arrival > free_at_ ? arrival : free_at_;
    request_bytes_ = 0;
  }
  // One multiplication from the request's start (not a sum of per-burst times), so the
  // completion does not depend on how the request was cut into bursts.
  request_bytes_ += trans.get_data_length();
  free_at_ = request_start_ + ns(ns_per_byte_ * static_cast<double>(request_bytes_));
  delay = free_at_ - now;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace trnsim::model
