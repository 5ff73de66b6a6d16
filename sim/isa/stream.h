// Instruction streams of one NeuronCore: the four compute engines, each an in-order sequencer,
// and the DMA queues. A queue id names the same queue on all 16 DMA engines (reference
// trainium.md §4: "A transfer goes to one queue ID across all 16 engines").
#pragma once

#include <cstdint>
#include <string>

#include "common/types.h"

namespace trnsim::isa {

enum class Stream : uint8_t {};

constexpr int kComputeStreams = 4;
// The queue ids a program may name; a config may have fewer (dma.queues_per_engine).
constexpr int kDmaQueues = kMaxDmaQueues;
constexpr int kStreamCount = kComputeStreams + kDmaQueues;

constexpr Stream compute_stream(Engine e) { return Stream(static_cast<uint8_t>(e)); }
constexpr Stream dma_queue_stream(int queue) { return Stream(kComputeStreams + queue); }
constexpr int index(Stream s) { return static_cast<int>(s); }
constexpr bool is_dma(Stream s) { return index(s) >= kComputeStreams; }
constexpr int dma_queue_of(Stream s) { return index(s) - kComputeStreams; }
constexpr Engine engine_of(Stream s) { return static_cast<Engine>(index(s)); }

std::string stream_name(Stream s);         // "Tensor", ..., "qDma0".."qDma15"
Stream parse_stream(const std::string& n);  // throws UserError

}  // namespace trnsim::isa
