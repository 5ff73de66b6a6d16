// HBM as seen by one NeuronCore: a bandwidth-limited target shared by all DMA engines, reached
// over TLM-2.0 (generic payload, annotated timing). Requests are served first come, first
// served at the effective bandwidth of the config; the delay returned covers queueing and
// transfer. The payload carries the command and length only (no address, no data: contents
// move through the functional MemoryImage), so binding a detailed DRAM model such as DRAMSys
// to these sockets would first need addresses in the payload.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "sim/config/hw_config.h"

namespace trnsim::model {

class Hbm : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Hbm> socket;

  Hbm(const sc_core::sc_module_name& name, const HbmConfig& cfg);

 private:
  void b_transport(int initiator, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  double ns_per_byte_;
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
};

}  // namespace trnsim::model
