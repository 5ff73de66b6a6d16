#include "sim/config/hw_parameters.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "common/did_you_mean.h"
#include "common/excerpt.h"
#include "common/types.h"

namespace trnsim {
namespace {

constexpr double kMaxCycles = 1e6;
constexpr double kMaxNs = 1e6;
constexpr double kMaxBytesPerPartition = 1 << 30;
constexpr double kMaxScheduleWindow = 4096;  // held at once; each release scans the ready ones
constexpr double kMaxHbmBytes = 1ull << 50;  // 1 PiB: a bound on input, not a hardware fact

template <class T>
HwParameter::Type type_of() {
  if constexpr (std::is_same_v<T, bool>) {
    return HwParameter::Type::boolean;
  } else if constexpr (std::is_integral_v<T>) {
    return HwParameter::Type::integer;
  } else {
    return HwParameter::Type::real;
  }
}

// Builds the table: add() declares a member of a section struct, add_top() a member of HwConfig.
class TableBuilder {
 public:
  template <class Section, class T>
  void add(const std::string& section, Section HwConfig::*sec, const char* name, T Section::*field,
           const char* unit, double min, double max, const char* description) {
    push(
        section, name, type_of<T>(), unit, min, max, description,
        [sec, field](HwConfig& c, double v) { (c.*sec).*field = static_cast<T>(v); },
        [sec, field](const HwConfig& c) { return static_cast<double>((c.*sec).*field); });
  }
  // An enum member whose values are named by `choices`, in enum order.
  template <class Section, class E>
  void add_choice(const std::string& section, Section HwConfig::*sec, const char* name,
                  E Section::*field, std::vector<std::string> choices, const char* description) {
    push(
        section, name, HwParameter::Type::choice, "", 0, static_cast<double>(choices.size() - 1),
        description,
        [sec, field](HwConfig& c, double v) { (c.*sec).*field = static_cast<E>(v); },
        [sec, field](const HwConfig& c) { return static_cast<double>((c.*sec).*field); });
    table_.back().choices = std::move(choices);
  }
  template <class T>
  void add_top(const std::string& section, const char* name, T HwConfig::*field, const char* unit,
               double min, double max, const char* description) {
    push(
        section, name, type_of<T>(), unit, min, max, description,
        [field](HwConfig& c, double v) { c.*field = static_cast<T>(v); },
        [field](const HwConfig& c) { return static_cast<double>(c.*field); });
  }
  // An entry of HwConfig::nki_engines that may name one of `engines`.
  void add_nki_engine(const std::string& function, std::vector<Engine> engines,
                      const std::string& description) {
    std::vector<std::string> names;
    for (Engine e : engines) names.push_back(lower(engine_name(e)));
    push(
        "nki_engine", function.c_str(), HwParameter::Type::choice, "", 0,
        static_cast<double>(engines.size() - 1), description.c_str(),
        [function, engines](HwConfig& c, double v) {
          c.nki_engines[function] = engines.at(static_cast<size_t>(v));
        },
        [function, engines](const HwConfig& c) {
          const auto it = c.nki_engines.find(function);
          const Engine e = it == c.nki_engines.end() ? engines.front() : it->second;
          return static_cast<double>(std::find(engines.begin(), engines.end(), e) -
                                     engines.begin());
        });
    table_.back().choices = std::move(names);
  }
  std::vector<HwParameter> take() { return std::move(table_); }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  void push(const std::string& section, const char* name, HwParameter::Type type, const char* unit,
            double min, double max, const char* description,
            std::function<void(HwConfig&, double)> set,
            std::function<double(const HwConfig&)> get) {
    table_.push_back(HwParameter{section + "." + name, type, unit, min, max, description,
                                 std::move(set), std::move(get), {}});
  }
  std::vector<HwParameter> table_;
};

// The engine of each nl.* function (python/TRACE_FORMAT.md "lowering"), and of the nisa calls
// whose engine= is left to the compiler. The choices are the engines that run the opcode the
// call becomes (sim/isa/opcode.cpp): ACTIVATE only on Scalar, TENSOR_REDUCE only on Vector,
// so those entries have one choice until the opcode table allows more.
void add_nki_engines(TableBuilder& t) {
  const std::vector<Engine> lanes = {Engine::vector, Engine::scalar, Engine::gpsimd};
  for (const char* f : {"add", "subtract", "multiply", "divide", "maximum", "minimum"})
    t.add_nki_engine(f, lanes,
                     std::string("nl.") + f + ": TENSOR_TENSOR of two tiles (Vector, GpSimd), " +
                         "TENSOR_SCALAR with a number or a [P, 1] tile");
  for (const char* f : {"exp", "log", "tanh", "sigmoid", "silu", "gelu", "relu", "rsqrt", "sqrt",
                        "square", "reciprocal"})
    t.add_nki_engine(f, {Engine::scalar}, std::string("nl.") + f + ": an ACTIVATE");
  for (const char* f : {"sum", "max", "min"})
    t.add_nki_engine(f, {Engine::vector}, std::string("nl.") + f + ": a TENSOR_REDUCE");
  t.add_nki_engine("mean", {Engine::vector},
                   "nl.mean: a TENSOR_REDUCE add, then a TENSOR_SCALAR multiply by 1/n");
  t.add_nki_engine("copy", lanes, "nl.copy: a TENSOR_COPY");
  t.add_nki_engine("loop_reduce", {Engine::vector, Engine::gpsimd},
                   "nl.loop_reduce: a TENSOR_TENSOR accumulating into its destination");
  t.add_nki_engine("tensor_tensor", {Engine::vector, Engine::gpsimd},
                   "nisa.tensor_tensor without engine=");
  t.add_nki_engine("tensor_scalar", lanes, "nisa.tensor_scalar without engine=");
  t.add_nki_engine("tensor_copy", lanes, "nisa.tensor_copy without engine=");
}

std::vector<HwParameter> build_table() {
  TableBuilder t;
  using TE = TensorEngineConfig;
  t.add_choice("tensor", &HwConfig::tensor, "model", &TE::model, {"transaction", "pe"},
               "cost rules per instruction, or every PE stepped each clock (small arrays only)");
  t.add("tensor", &HwConfig::tensor, "clock_ghz", &TE::clock_ghz, "GHz", 0.1, 10, "TensorE clock");
  t.add("tensor", &HwConfig::tensor, "rows", &TE::rows, "PEs", 1, 1024,
        "PE rows = largest contraction (partition) size of one matmul");
  t.add("tensor", &HwConfig::tensor, "columns", &TE::columns, "PEs", 1, 1024,
        "PE columns = largest stationary free size (output partitions)");
  t.add("tensor", &HwConfig::tensor, "moving_free_max", &TE::moving_free_max, "elements", 1, 65536,
        "largest moving free size of one matmul");
  t.add("tensor", &HwConfig::tensor, "mm_init_latency_cycles", &TE::mm_init_latency_cycles,
        "cycles", 0, kMaxCycles, "MultiplyMoving issue floor: an MM occupies max(N, this)");
  t.add("tensor", &HwConfig::tensor, "fast_weight_load_factor", &TE::fast_weight_load_factor, "", 1,
        64, "LoadStationary of C columns takes C / this cycles");
  t.add("tensor", &HwConfig::tensor, "fp32_cost_factor", &TE::fp32_cost_factor, "", 1, 64,
        "an fp32 matmul costs this many times a bf16 one");
  t.add("tensor", &HwConfig::tensor, "fp32_transpose_cost_factor",
        &TE::fp32_transpose_cost_factor, "", 1, 64,
        "an fp32 transpose (a matmul against the identity) costs this many times a bf16 one");
  t.add("tensor", &HwConfig::tensor, "result_latency_cycles", &TE::result_latency_cycles, "cycles",
        0, kMaxCycles, "last moving column in -> result visible in PSUM");
  t.add("tensor", &HwConfig::tensor, "transpose_free_cap_cycles", &TE::transpose_free_cap_cycles,
        "cycles", 0, kMaxCycles, "a transpose of [P, F] occupies max(P, min(F, this)) cycles");

  // Vector, Scalar and GpSimd share one cost-rule shape, so one declaration covers all three.
  using LE = LaneEngineConfig;
  for (const auto& [section, engine] :
       {std::pair{"vector", &HwConfig::vector}, std::pair{"scalar", &HwConfig::scalar},
        std::pair{"gpsimd", &HwConfig::gpsimd}}) {
    t.add(section, engine, "clock_ghz", &LE::clock_ghz, "GHz", 0.1, 10, "engine clock");
    t.add(section, engine, "lanes", &LE::lanes, "lanes", 1, 4096,
          "parallel lanes (one per partition)");
    t.add(section, engine, "min_ii_cycles", &LE::min_ii_cycles, "cycles", 0, kMaxCycles,
          "MIN_II: floor of an instruction's issue interval");
    t.add(section, engine, "access_start_cycles", &LE::access_start_cycles, "cycles", 0, kMaxCycles,
          "static cost of starting an SBUF/PSUM access");
    t.add(section, engine, "static_overhead_cycles", &LE::static_overhead_cycles, "cycles", 0,
          kMaxCycles, "fixed per-instruction cost seen by a dependent consumer");
    t.add(section, engine, "start_cycles", &LE::start_cycles, "cycles", 0, kMaxCycles,
          "fixed start cost added to busy time");
    t.add(section, engine, "max_fast_stride_bytes", &LE::max_fast_stride_bytes, "bytes", 1, 65536,
          "an innermost SBUF/PSUM stride above this streams at reduced rate");
    t.add(section, engine, "strided_cost_factor", &LE::strided_cost_factor, "", 1, 64,
          "element cycles are multiplied by this for a strided access");
    t.add(section, engine, "two_input_cycles_per_element", &LE::two_input_cycles_per_element,
          "cycles", 0.1, 64, "cycles per element of an instruction reading two SBUF input tiles");
    t.add(section, engine, "reciprocal_cycles_per_element", &LE::reciprocal_cycles_per_element,
          "cycles", 0.1, 64, "cycles per element of a reciprocal");
  }

  using OM = OnChipMemoryConfig;
  for (const auto& [section, memory] :
       {std::pair{"sbuf", &HwConfig::sbuf}, std::pair{"psum", &HwConfig::psum}}) {
    t.add(section, memory, "partitions", &OM::partitions, "partitions", 1, 1024,
          "partitions (rows) of the memory");
    t.add(section, memory, "bytes_per_partition", &OM::bytes_per_partition, "bytes", 1,
          kMaxBytesPerPartition, "capacity of one partition");
    t.add(section, memory, "reserved_bytes_per_partition", &OM::reserved_bytes_per_partition,
          "bytes", 0, kMaxBytesPerPartition, "bytes per partition not available to kernels");
    t.add(section, memory, "banks", &OM::banks, "banks", 0, 1024,
          "banks per partition (PSUM: accumulation banks; 0 = not banked)");
    if (memory == &HwConfig::sbuf)  // PSUM tiles take whole banks
      t.add(section, memory, "alignment_bytes", &OM::alignment_bytes, "bytes", 1, 65536,
            "tiles are placed at multiples of this within a partition");
  }

  using DC = DmaConfig;
  t.add("dma", &HwConfig::dma, "engines", &DC::engines, "engines", 1, 256,
        "DMA engines per NeuronCore");
  t.add("dma", &HwConfig::dma, "queues_per_engine", &DC::queues_per_engine, "queues", 1,
        kMaxDmaQueues, "DMA queues per engine; programs use queue ids 0 .. this - 1");
  t.add("dma", &HwConfig::dma, "partitions_per_engine", &DC::partitions_per_engine, "partitions", 1,
        1024, "SBUF partitions served by one DMA engine");
  t.add("dma", &HwConfig::dma, "engine_bytes_per_ns", &DC::engine_bytes_per_ns, "bytes/ns", 0.1,
        1000, "per-engine data rate");
  t.add("dma", &HwConfig::dma, "engine_elements_per_ns", &DC::engine_elements_per_ns,
        "elements/ns", 0.1, 1000,
        "per-engine element rate: a share takes the longer of bytes and elements at the rates");
  t.add("dma", &HwConfig::dma, "engine_hbm_write_bytes_per_ns",
        &DC::engine_hbm_write_bytes_per_ns, "bytes/ns", 0.1, 1000,
        "per-engine byte rate of a share whose destination is HBM (a store), if it binds");
  t.add("dma", &HwConfig::dma, "setup_latency_ns", &DC::setup_latency_ns, "ns", 0, kMaxNs,
        "issue -> first byte of a transfer (pipelined across transfers)");
  t.add("dma", &HwConfig::dma, "descriptor_overhead_ns", &DC::descriptor_overhead_ns, "ns", 0,
        kMaxNs, "engine time per contiguous buffer (descriptor)");
  t.add("dma", &HwConfig::dma, "completion_latency_ns", &DC::completion_latency_ns, "ns", 0, kMaxNs,
        "last byte -> semaphore visible to the waiter");
  t.add("dma", &HwConfig::dma, "transpose_efficiency", &DC::transpose_efficiency, "fraction",
        0.001, 1, "a DMA transpose moves data at this fraction of a plain copy's engine rate");

  using HC = HbmConfig;
  t.add_choice("hbm", &HwConfig::hbm, "model", &HC::model, {"simple", "interleaved"},
               "memory model behind the DMA port: one FCFS server, or channels x banks");
  t.add("hbm", &HwConfig::hbm, "bandwidth_bytes_per_ns", &HC::bandwidth_bytes_per_ns, "bytes/ns",
        1, 100000, "simple model: peak HBM bandwidth per NeuronCore (= GB/s)");
  t.add("hbm", &HwConfig::hbm, "efficiency", &HC::efficiency, "fraction", 0.01, 1,
        "simple model: achieved fraction of peak for tile DMAs");
  t.add("hbm", &HwConfig::hbm, "capacity_bytes", &HC::capacity_bytes, "bytes", 1 << 20,
        kMaxHbmBytes, "HBM one NeuronCore's tensors (inputs, outputs, scratch, spills) may use");
  t.add("hbm", &HwConfig::hbm, "burst_bytes", &HC::burst_bytes, "bytes", 1, 1 << 20,
        "largest DMA->HBM TLM payload; a burst never crosses a multiple of this address");
  t.add("hbm", &HwConfig::hbm, "tensor_alignment_bytes", &HC::tensor_alignment_bytes, "bytes", 1,
        1 << 30, "address map: each HBM tensor starts at a multiple of this");
  t.add("hbm", &HwConfig::hbm, "channels", &HC::channels, "channels", 1, 1024,
        "interleaved model: independent channels");
  t.add("hbm", &HwConfig::hbm, "banks_per_channel", &HC::banks_per_channel, "banks", 1, 1024,
        "interleaved model: banks per channel, each with one row buffer");
  t.add("hbm", &HwConfig::hbm, "interleave_bytes", &HC::interleave_bytes, "bytes", 1, 1 << 20,
        "interleaved model: consecutive chunks of this size go to the next channel, then bank");
  t.add("hbm", &HwConfig::hbm, "row_bytes", &HC::row_bytes, "bytes", 1, 1 << 20,
        "interleaved model: size of one bank's row buffer");
  t.add("hbm", &HwConfig::hbm, "channel_bytes_per_ns", &HC::channel_bytes_per_ns, "bytes/ns",
        0.1, 100000, "interleaved model: data rate of one channel");
  t.add("hbm", &HwConfig::hbm, "row_hit_ns", &HC::row_hit_ns, "ns", 0, kMaxNs,
        "interleaved model: access to the open row -> first data");
  t.add("hbm", &HwConfig::hbm, "row_miss_ns", &HC::row_miss_ns, "ns", 0, kMaxNs,
        "interleaved model: precharge + activate + access -> first data");

  t.add_top("ports", "shared_sbuf_port_vector_gpsimd", &HwConfig::shared_sbuf_port_vector_gpsimd,
            "", 0, 1, "VectorE and GpSimdE serialise on the SBUF port");
  t.add_top("ports", "shared_psum_port_vector_scalar", &HwConfig::shared_psum_port_vector_scalar,
            "", 0, 1, "VectorE and ScalarE serialise on the PSUM port");
  t.add("compiler", &HwConfig::compiler, "schedule_window", &CompilerConfig::schedule_window,
        "instructions", 0, kMaxScheduleWindow,
        "the compiler reorders each instruction among this many in program order (0, 1: none)");
  add_nki_engines(t);
  return t.take();
}

struct ConsistencyRule {
  std::vector<std::string> keys;  // the parameters the rule relates
  std::string rule;               // shown after "allowed:"
  std::function<bool(const HwConfig&)> holds;
};

// In order: a rule may rely on the ones before it (no division by zero banks).
std::vector<ConsistencyRule> consistency_rules() {
  std::vector<ConsistencyRule> rules = {
      {{"dma.engines", "dma.partitions_per_engine", "sbuf.partitions"},
       "dma.engines * dma.partitions_per_engine == sbuf.partitions, each engine serving its own "
       "partitions",
       [](const HwConfig& c) {
         return c.dma.engines * c.dma.partitions_per_engine == c.sbuf.partitions;
       }},
      {{"psum.partitions", "sbuf.partitions"},
       "psum.partitions == sbuf.partitions",
       [](const HwConfig& c) { return c.psum.partitions == c.sbuf.partitions; }},
      {{"tensor.rows", "sbuf.partitions"},
       "tensor.rows <= sbuf.partitions, the contraction running over partitions",
       [](const HwConfig& c) { return c.tensor.rows <= c.sbuf.partitions; }},
      {{"tensor.columns", "psum.partitions"},
       "tensor.columns <= psum.partitions, each PE column writing one PSUM partition",
       [](const HwConfig& c) { return c.tensor.columns <= c.psum.partitions; }},
      {{"psum.banks"},
       "psum.banks >= 1, matmuls accumulating into PSUM banks",
       [](const HwConfig& c) { return c.psum.banks >= 1; }},
  };
  for (const auto& [name, memory] :
       {std::pair{"sbuf", &HwConfig::sbuf}, std::pair{"psum", &HwConfig::psum}}) {
    const std::string m = name;
    rules.push_back({{m + ".reserved_bytes_per_partition", m + ".bytes_per_partition"},
                     m + ".reserved_bytes_per_partition < " + m + ".bytes_per_partition",
                     [memory = memory](const HwConfig& c) {
                       return (c.*memory).reserved_bytes_per_partition <
                              (c.*memory).bytes_per_partition;
                     }});
    rules.push_back({{m + ".banks", m + ".bytes_per_partition"},
                     m + ".banks == 0 or divides " + m + ".bytes_per_partition",
                     [memory = memory](const HwConfig& c) {
                       const OnChipMemoryConfig& mem = c.*memory;
                       return mem.banks == 0 || mem.bytes_per_partition % mem.banks == 0;
                     }});
  }
  rules.push_back(
      {{"hbm.interleave_bytes", "hbm.row_bytes"},
       "hbm.interleave_bytes divides hbm.row_bytes, a row holding whole chunks",
       [](const HwConfig& c) { return c.hbm.row_bytes % c.hbm.interleave_bytes == 0; }});
  rules.push_back({{"tensor.moving_free_max", "psum.bytes_per_partition", "psum.banks"},
                   "tensor.moving_free_max * 4 bytes (fp32) <= psum.bytes_per_partition / "
                   "psum.banks, a matmul result fitting one PSUM bank",
                   [](const HwConfig& c) {
                     return int64_t{c.tensor.moving_free_max} * 4 <= c.psum.bank_bytes();
                   }});
  return rules;
}

}  // namespace

void Origins::record(const std::string& key, const std::string& where) {
  where_[key] = {++sequence_, where};
}

std::pair<std::string, std::string> Origins::latest(const std::vector<std::string>& keys,
                                                    const std::string& fallback) const {
  std::pair<std::string, std::string> best{keys.front(), fallback};
  int best_sequence = 0;
  for (const std::string& key : keys) {
    auto it = where_.find(key);
    if (it != where_.end() && it->second.first > best_sequence) {
      best_sequence = it->second.first;
      best = {key, it->second.second};
    }
  }
  return best;
}

void check_consistency(const HwConfig& cfg, const Origins& origins) {
  auto value = [&cfg](const std::string& key) {
    return find_hw_parameter(key)->format(cfg);
  };
  for (const ConsistencyRule& r : consistency_rules()) {
    if (r.holds(cfg)) continue;
    auto [key, where] = origins.latest(r.keys, cfg.source_file);
    std::string others;
    for (const std::string& k : r.keys) {
      if (k != key) others += (others.empty() ? " conflicts with " : ", ") + k + " = " + value(k);
    }
    throw UserError(where + ": " + key + ": " + value(key) +
                    (others.empty() ? " is not allowed" : others) + " (allowed: " + r.rule + ")");
  }
}

std::string HwParameter::section() const { return key.substr(0, key.find('.')); }

std::string HwParameter::name() const { return key.substr(key.find('.') + 1); }

std::string HwParameter::allowed() const {
  if (type == Type::boolean) return "true, false";
  if (type == Type::choice) {
    std::string names;
    for (const std::string& c : choices) names += (names.empty() ? "" : ", ") + c;
    return names;
  }
  std::string range = format_number(min) + " .. " + format_number(max);
  return unit.empty() ? range : range + " " + unit;
}

std::string HwParameter::parse(const std::string& text, double* value) const {
  const char* begin = text.data();
  const char* end = begin + text.size();
  const std::string shown = excerpt(text);  // the user's text, as messages show it
  double v = 0;
  if (type == Type::choice) {
    auto it = std::find(choices.begin(), choices.end(), text);
    if (it == choices.end())
      return "'" + shown + "' is not a known choice" + did_you_mean(text, choices);
    *value = static_cast<double>(it - choices.begin());
    return "";
  }
  if (type == Type::boolean) {
    if (text != "true" && text != "false") return "'" + shown + "' is not a boolean";
    v = text == "true" ? 1 : 0;
  } else if (type == Type::integer) {
    int64_t i = 0;
    auto [ptr, ec] = std::from_chars(begin, end, i);
    if (text.empty() || ptr != end || ec != std::errc()) {
      double d = 0;
      auto [dptr, dec] = std::from_chars(begin, end, d);
      bool is_number = !text.empty() && dptr == end && dec == std::errc();
      return "'" + shown + (is_number ? "' is not an integer" : "' is not a number");
    }
    v = static_cast<double>(i);
  } else {
    auto [ptr, ec] = std::from_chars(begin, end, v);
    if (text.empty() || ptr != end || ec != std::errc() || !std::isfinite(v)) {
      return "'" + shown + "' is not a number";
    }
  }
  if (!(v >= min && v <= max)) return shown + " is out of range";
  *value = v;
  return "";
}

std::string HwParameter::format(const HwConfig& cfg) const {
  const double v = get(cfg);
  if (type == Type::choice) return choices.at(static_cast<size_t>(v));
  if (type == Type::boolean) return v != 0 ? "true" : "false";
  return format_number(v);
}

const std::vector<HwParameter>& hw_parameters() {
  static const std::vector<HwParameter> table = build_table();
  return table;
}

const HwParameter* find_hw_parameter(const std::string& key) {
  for (const HwParameter& p : hw_parameters()) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

std::vector<std::string> hw_parameter_sections() {
  std::vector<std::string> sections;
  for (const HwParameter& p : hw_parameters()) {
    if (sections.empty() || sections.back() != p.section()) sections.push_back(p.section());
  }
  return sections;
}

std::string format_number(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  // Whole numbers below 1e15 read better without an exponent (196608, 1000000).
  if (s.find('e') != std::string::npos && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    s = buf;
  }
  return s;
}

}  // namespace trnsim
