// The memory port of one NeuronCore: the DMA engines (DmaEngines, sim/model/dma.h) reach HBM
// over TLM-2.0, loosely timed, through one initiator socket bound to the target socket of the
// memory model that hbm.model names (make_hbm_memory). A DMA engine sends one generic payload
// per burst (command, HBM address from the HbmAddressMap, data length <= hbm.burst_bytes,
// streaming width = length, a scratch data pointer: contents move through the functional
// MemoryImage, not the payload) with b_transport and no wait(); the delay going in is the
// burst's arrival after the current time, the delay coming back its completion. All bursts of
// one request (one share, one direction) arrive together; a DmaBurstExtension marks the first
// of them. A model that times a request by its bytes alone says so (wants_bursts() false): it
// then gets each request as one payload. A model must answer b_transport without calling
// wait(), and must accept requests whose arrival lies up to the DMA setup latency ahead of
// the current time (the engines run ahead, sim/model/dma.h).
#pragma once

#include <memory>
#include <systemc>
#include <tlm>

#include "sim/config/hw_config.h"
#include "sim/model/hbm_address_map.h"

namespace trnsim::model {

// Ignorable: models that do not know it see plain bursts.
struct DmaBurstExtension : tlm::tlm_extension<DmaBurstExtension> {
  int engine = 0;               // the DMA engine that sent the burst
  bool starts_request = false;  // the first burst of a share's read or write
  tlm::tlm_extension_base* clone() const override { return new DmaBurstExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const DmaBurstExtension&>(other);
  }
};

// A memory model with a TLM-2.0 target socket (an sc_module owning that socket).
class HbmMemory : public sc_core::sc_module {
 public:
  using sc_module::sc_module;
  virtual tlm::tlm_base_target_socket_b<>& target_socket() = 0;

  // False for a model blind to addresses and burst boundaries, whose timing of a request
  // depends on its total bytes only. The DMA engines then send each request as one payload
  // (the address of its first byte, data length = its bytes, at most 2^31 per payload) instead
  // of one per burst: the same timing, without millions of calls that carry nothing the model
  // reads.
  virtual bool wants_bursts() const { return true; }
};

// The built-in model that hbm.model names. The one place to add a model of your own (README
// 'The memory port').
std::unique_ptr<HbmMemory> make_hbm_memory(const HbmConfig& cfg, const HbmAddressMap& map);

}  // namespace trnsim::model
