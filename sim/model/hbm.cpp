#include "sim/model/hbm.h"

#include "sim/model/core_context.h"

namespace trnsim::model {

Hbm::Hbm(const sc_core::sc_module_name& name, const HbmConfig& cfg)
    : sc_module(name), socket("socket"), ns_per_byte_(1.0 / cfg.effective_bytes_per_ns()) {
  socket.register_b_transport(this, &Hbm::b_transport);
}

void Hbm::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  const sc_core::sc_time arrival = now + delay;
  const sc_core::sc_time start = arrival > free_at_ ? arrival : free_at_;
  free_at_ = start + ns(ns_per_byte_ * static_cast<double>(trans.get_data_length()));
  delay = free_at_ - now;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace trnsim::model
