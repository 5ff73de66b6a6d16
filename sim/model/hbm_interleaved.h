// hbm.model: interleaved. HBM as channels x banks behind an address map: an address's chunk
// c = address / interleave_bytes goes to channel c % channels, bank (c / channels) %
// banks_per_channel, and row (c / (channels x banks)) / (row_bytes / interleave_bytes), so
// consecutive chunks visit every channel, then every bank, and a bank's row holds
// row_bytes / interleave_bytes chunks.
//
// Each piece of a burst that falls in one chunk is served, in arrival order, by its bank and
// then its channel: the bank starts when it is free, takes row_hit_ns if the row is open
// (else row_miss_ns, and opens it), then the data crosses the channel at channel_bytes_per_ns
// once the channel is free; the bank stays busy until its data is out. A burst completes with
// its last piece. Banks of a channel overlap their accesses; a channel moves one piece at a time.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "sim/model/hbm.h"

namespace trnsim::model {

class InterleavedHbm : public HbmMemory {
 public:
  tlm_utils::simple_target_socket<InterleavedHbm> socket;

  InterleavedHbm(const sc_core::sc_module_name& name, const HbmConfig& cfg);
  tlm::tlm_base_target_socket_b<>& target_socket() override { return socket; }

 private:
  struct Bank {
    int64_t open_row = -1;  // none
    sc_core::sc_time free_at = sc_core::SC_ZERO_TIME;
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // Serves `bytes` of one chunk arriving at `arrival`; returns when its data is out.
  sc_core::sc_time serve_piece(uint64_t chunk, uint64_t bytes, sc_core::sc_time arrival);

  const uint64_t channels_, banks_, interleave_bytes_, chunks_per_row_;
  const double ns_per_byte_;
  const sc_core::sc_time row_hit_, row_miss_;
  const sc_core::sc_time chunk_transfer_;  // a whole chunk across its channel
  std::vector<sc_core::sc_time> channel_free_at_;
  std::vector<Bank> banks_state_;  // channel-major
};

}  // namespace trnsim::model
