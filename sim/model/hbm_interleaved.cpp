#include "sim/model/hbm_interleaved.h"

#include <algorithm>

#include "sim/model/core_context.h"

namespace trnsim::model {

using sc_core::sc_time;

InterleavedHbm::InterleavedHbm(const sc_core::sc_module_name& name, const HbmConfig& cfg)
    : HbmMemory(name),
      socket("socket"),
      channels_(static_cast<uint64_t>(cfg.channels)),
      banks_(static_cast<uint64_t>(cfg.banks_per_channel)),
      interleave_bytes_(static_cast<uint64_t>(cfg.interleave_bytes)),
      chunks_per_row_(static_cast<uint64_t>(cfg.row_bytes / cfg.interleave_bytes)),
      ns_per_byte_(1.0 / cfg.channel_bytes_per_ns),
      row_hit_(ns(cfg.row_hit_ns)),
      row_miss_(ns(cfg.row_miss_ns)),
      chunk_transfer_(ns(ns_per_byte_ * static_cast<double>(interleave_bytes_))),
      channel_free_at_(channels_, sc_core::SC_ZERO_TIME),
      banks_state_(channels_ * banks_) {
  socket.register_b_transport(this, &InterleavedHbm::b_transport);
}

sc_time InterleavedHbm::serve_piece(uint64_t chunk, uint64_t bytes, sc_time arrival) {
  const uint64_t channel = chunk % channels_;
  const uint64_t bank_in_channel = (chunk / channels_) % banks_;
  const auto row = static_cast<int64_t>(chunk / (channels_ * banks_) / chunks_per_row_);
  Bank& bank = banks_state_[channel * banks_ + bank_in_channel];
  const sc_time start = std::max(arrival, bank.free_at);
  const sc_time data_ready = start + (bank.open_row == row ? row_hit_ : row_miss_);
  bank.open_row = row;
  sc_time& channel_free = channel_free_at_[channel];
  const sc_time transfer = bytes == interleave_bytes_
                               ? chunk_transfer_
                               : ns(ns_per_byte_ * static_cast<double>(bytes));
  const sc_time done = std::max(data_ready, channel_free) + transfer;
  channel_free = done;
  bank.free_at = done;
  return done;
}

void InterleavedHbm::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time arrival = now + delay;
  sc_time done = arrival;
  uint64_t address = trans.get_address();
  for (uint64_t left = trans.get_data_length(); left > 0;) {
    const uint64_t n = std::min(left, interleave_bytes_ - address % interleave_bytes_);
    done = std::max(done, serve_piece(address / interleave_bytes_, n, arrival));
    address += n;
    left -= n;
  }
  delay = done - now;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace trnsim::model
