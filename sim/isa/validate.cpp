// validate(Program): the structural checks of program.h. Each failure is one line:
// "program 'name': <stream>[<index>]: <problem>".
#include <set>
#include <string>

#include "sim/isa/program.h"

namespace trnsim::isa {
namespace {

constexpr unsigned on(Engine e) { return 1u << static_cast<unsigned>(e); }
constexpr unsigned kDmaQueues = 1u << 8;
constexpr unsigned kVector = on(Engine::vector), kScalar = on(Engine::scalar),
                   kGpSimd = on(Engine::gpsimd);

// Which streams may execute an opcode and which sources it reads (every opcode writes dst).
struct OpcodeRule {
  unsigned streams;  // on(Engine) bits, or kDmaQueues
  bool src0;
  bool src1;
};

// Indexed by Opcode.
constexpr OpcodeRule kRules[] = {
    {kDmaQueues, true, false},                   // dma_copy
    {kDmaQueues, true, false},                   // dma_transpose
    {on(Engine::tensor), true, true},            // matmul
    {on(Engine::tensor), true, false},           // transpose
    {kVector | kScalar | kGpSimd, true, false},  // tensor_copy
    {kVector | kGpSimd, true, true},             // tensor_tensor
    {kVector | kScalar | kGpSimd, true, false},  // tensor_scalar
    {kScalar, true, false},                      // activation
    {kVector | kGpSimd, false, false},           // memset
    {kVector, true, false},                      // reduce
};

std::string stream_list(unsigned streams) {
  if (streams & kDmaQueues) return "DMA queues";
  std::string names;
  for (int e = 0; e < kComputeStreams; ++e) {
    if (!(streams & (1u << e))) continue;
    names += (names.empty() ? "" : ", ") + std::string(engine_name(Engine(e)));
  }
  return names;
}

std::string shape(int64_t partitions, int64_t free) {
  return "[" + std::to_string(partitions) + " x " + std::to_string(free) + "]";
}
std::string shape(const AccessPattern& ap) { return shape(ap.partitions, ap.free_elements()); }

// Byte range [begin, end) an operand touches: within its HBM tensor (rows included) or within
// one partition. False if that range or the operand's total bytes would overflow 64 bits, so
// that every later computation on a validated operand is safe.
bool byte_extent(const AccessPattern& ap, int64_t& begin, int64_t& end) {
  int64_t total;
  if (__builtin_mul_overflow(ap.partitions, dtype_size(ap.dtype), &total)) return false;
  for (const FreeDim& d : ap.dims) {
    if (__builtin_mul_overflow(total, d.count, &total)) return false;
  }
  int64_t low = 0, high = 0;  // element offsets
  auto reach = [&](int64_t stride, int64_t count) {
    int64_t r;
    if (__builtin_mul_overflow(stride, count - 1, &r)) return false;
    int64_t& side = r < 0 ? low : high;
    return !__builtin_add_overflow(side, r, &side);
  };
  for (const FreeDim& d : ap.dims) {
    if (!reach(d.stride, d.count)) return false;
  }
  if (ap.memory == Memory::hbm && !reach(ap.partition_stride, ap.partitions)) return false;
  const int64_t size = dtype_size(ap.dtype);
  return !__builtin_mul_overflow(low, size, &low) && !__builtin_add_overflow(high, 1, &high) &&
         !__builtin_mul_overflow(high, size, &high) &&
         !__builtin_add_overflow(ap.offset_bytes, low, &begin) &&
         !__builtin_add_overflow(ap.offset_bytes, high, &end);
}

// One instruction under check; fail() throws with its place in the program.
class InstructionCheck {
 public:
  InstructionCheck(const Program& p, const std::string& prefix, Stream s, size_t i)
      : p_(p), s_(s), i_(i), where_(prefix + stream_name(s) + "[" + std::to_string(i) + "]: ") {}

  void run(const Instruction& in) {
    const std::string op = opcode_name(in.op);
    const OpcodeRule& rule = kRules[static_cast<size_t>(in.op)];
    bool runs = is_dma(s_) ? (rule.streams & kDmaQueues) : (rule.streams & on(engine_of(s_)));
    if (!runs) fail(op + " runs on " + stream_list(rule.streams) + ", not on " + stream_name(s_));
    operand("dst", in.dst, true, op);
    operand("src0", in.src0, rule.src0, op);
    operand("src1", in.src1, rule.src1, op);
    if (!is_dma(s_)) {
      for (const auto* ap : {&in.dst, &in.src0, &in.src1}) {
        if (ap->valid() && ap->memory == Memory::hbm) {
          fail(op + " on " + stream_name(s_) + " cannot access hbm; only DMA queues can");
        }
      }
    }
    if (in.accumulate && in.op != Opcode::matmul)
      fail("accumulate is set but " + op + " is not MATMUL");
    shapes(in, op);
    waits(in);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw UserError(where_ + problem); }

  void operand(const std::string& name, const AccessPattern& ap, bool used, const std::string& op) {
    if (!used) {
      if (ap.valid()) fail(op + " takes no " + name + " operand, but one is given");
      return;
    }
    if (ap.partitions == 0 && ap.dims.empty()) fail(op + " needs a " + name + " operand");
    if (ap.dims.empty() || ap.dims.size() > size_t(kMaxFreeDims)) {
      fail(name + " has " + std::to_string(ap.dims.size()) + " free dims (1.." +
           std::to_string(kMaxFreeDims) + " allowed)");
    }
    for (size_t d = 0; d < ap.dims.size(); ++d) {
      if (ap.dims[d].count <= 0) {
        fail(name + " dim " + std::to_string(d) + " has count " + std::to_string(ap.dims[d].count) +
             " (must be > 0)");
      }
    }
    const char* rows = ap.memory == Memory::hbm ? " rows" : " partitions";
    if (ap.partitions <= 0)
      fail(name + " has " + std::to_string(ap.partitions) + rows + " (must be > 0)");
    int64_t begin = 0, end = 0;
    if (!byte_extent(ap, begin, end)) {
      fail(name + " " + describe(ap) + " is too large for 64-bit byte arithmetic");
    }
    if (ap.memory == Memory::hbm) {
      hbm_operand(name, ap, begin, end);
    } else {
      on_chip_operand(name, ap, begin);
    }
  }

  void hbm_operand(const std::string& name, const AccessPattern& ap, int64_t begin, int64_t end) {
    const int64_t n = static_cast<int64_t>(p_.tensors.size());
    if (ap.tensor < 0 || ap.tensor >= n) {
      fail(name + " hbm tensor " + std::to_string(ap.tensor) + " out of range (program has " +
           std::to_string(n) + " tensors)");
    }
    const HbmTensor& t = p_.tensors[ap.tensor];
    if (ap.dtype != t.dtype) {
      fail(name + " is " + dtype_name(ap.dtype) + " but hbm tensor '" + t.name + "' is " +
           dtype_name(t.dtype));
    }
    if (ap.start_partition != 0) {
      fail(name + " is on hbm but has start_partition " + std::to_string(ap.start_partition) +
           " (must be 0)");
    }
    if (begin < 0 || end > t.bytes()) {
      fail(name + " " + describe(ap, t.name) + " touches bytes [" + std::to_string(begin) + ", " +
           std::to_string(end) + ") of hbm tensor '" + t.name + "', which has " +
           std::to_string(t.bytes()) + " bytes");
    }
  }

  void on_chip_operand(const std::string& name, const AccessPattern& ap, int64_t begin) {
    const std::string mem = memory_name(ap.memory);
    if (ap.tensor != -1) {
      fail(name + " is on " + mem + " but names hbm tensor " + std::to_string(ap.tensor) +
           " (must be -1 on chip)");
    }
    if (ap.partition_stride != 0) {
      fail(name + " is on " + mem + " but has partition_stride " +
           std::to_string(ap.partition_stride) + " (must be 0 on chip)");
    }
    if (ap.start_partition < 0 || ap.start_partition > kMaxPartitions - ap.partitions) {
      fail(name + " starts at partition " + std::to_string(ap.start_partition) + " and spans " +
           std::to_string(ap.partitions) + " partitions, outside the partition axis [0, " +
           std::to_string(kMaxPartitions) + ")");
    }
    if (begin < 0) {
      fail(name + " " + describe(ap) + " starts at byte " + std::to_string(begin) +
           " of its partition (must be >= 0)");
    }
  }

  void require_memory(const std::string& op, const char* name, const AccessPattern& ap, Memory m) {
    if (ap.memory != m) {
      fail(op + " " + name + " must be on " + memory_name(m) + ", not " + memory_name(ap.memory));
    }
  }

  void same_shape(const char* a, const AccessPattern& x, const char* b, const AccessPattern& y) {
    if (x.partitions != y.partitions || x.free_elements() != y.free_elements()) {
      fail(std::string(a) + " is " + shape(x) + " but " + b + " is " + shape(y));
    }
  }

  void transposed(const std::string& op, const Instruction& in) {
    if (in.dst.partitions != in.src0.free_elements() ||
        in.dst.free_elements() != in.src0.partitions) {
      fail(op + " of src0 " + shape(in.src0) + " gives " +
           shape(in.src0.free_elements(), in.src0.partitions) + " but dst is " + shape(in.dst));
    }
  }

  void shapes(const Instruction& in, const std::string& op) {
    switch (in.op) {
      case Opcode::dma_copy:
        if (in.dst.partitions * in.dst.free_elements() !=
            in.src0.partitions * in.src0.free_elements()) {
          fail("dst " + shape(in.dst) + " and src0 " + shape(in.src0) +
               " hold different numbers of elements");
        }
        break;
      case Opcode::dma_transpose:
        transposed(op, in);
        break;
      case Opcode::matmul:
        require_memory(op, "src0", in.src0, Memory::sbuf);
        require_memory(op, "src1", in.src1, Memory::sbuf);
        require_memory(op, "dst", in.dst, Memory::psum);
        if (in.src0.partitions != in.src1.partitions) {
          fail("MATMUL src0 and src1 must have the same partition count K (" +
               std::to_string(in.src0.partitions) + " vs " + std::to_string(in.src1.partitions) +
               ")");
        }
        if (in.dst.partitions != in.src0.free_elements() ||
            in.dst.free_elements() != in.src1.free_elements()) {
          fail("MATMUL of src0 (stationary) " + shape(in.src0) + " and src1 (moving) " +
               shape(in.src1) + " gives " +
               shape(in.src0.free_elements(), in.src1.free_elements()) + " but dst is " +
               shape(in.dst));
        }
        break;
      case Opcode::transpose:
        require_memory(op, "src0", in.src0, Memory::sbuf);
        require_memory(op, "dst", in.dst, Memory::psum);
        transposed(op, in);
        break;
      case Opcode::tensor_tensor:
        same_shape("dst", in.dst, "src0", in.src0);
        same_shape("dst", in.dst, "src1", in.src1);
        break;
      case Opcode::tensor_copy:
      case Opcode::tensor_scalar:
      case Opcode::activation:
        same_shape("dst", in.dst, "src0", in.src0);
        break;
      case Opcode::reduce:
        if (in.dst.partitions != in.src0.partitions || in.dst.free_elements() != 1) {
          fail("TENSOR_REDUCE of src0 " + shape(in.src0) + " gives " +
               shape(in.src0.partitions, 1) + " but dst is " + shape(in.dst));
        }
        break;
      case Opcode::memset:
        break;
    }
  }

  void waits(const Instruction& in) {
    for (size_t w = 0; w < in.waits.size(); ++w) {
      const SemaphoreWait& wait = in.waits[w];
      const std::string what = "wait " + std::to_string(w) + " for " + stream_name(wait.stream) +
                               " to reach " + std::to_string(wait.count);
      if (index(wait.stream) >= kStreamCount) fail(what + ": no such stream");
      const size_t length = p_.stream(wait.stream).size();
      if (wait.count > length) {
        fail(what + " can never hold: " + stream_name(wait.stream) + " has " +
             std::to_string(length) + " instructions");
      }
      if (wait.stream == s_ && wait.count > i_) {
        fail(what + " can never hold: this is instruction " + std::to_string(i_) +
             " of that stream itself");
      }
    }
  }

  const Program& p_;
  Stream s_;
  size_t i_;
  std::string where_;
};

void check_tensors_and_footprint(const Program& p, const std::string& prefix) {
  std::set<std::string> names;
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    const HbmTensor& t = p.tensors[i];
    const std::string where = prefix + "tensors[" + std::to_string(i) + "]: ";
    if (t.name.empty()) throw UserError(where + "tensor has no name");
    if (!names.insert(t.name).second)
      throw UserError(where + "duplicate tensor name '" + t.name + "'");
    if (t.rows <= 0 || t.cols <= 0) {
      throw UserError(where + "tensor '" + t.name + "' is " + shape(t.rows, t.cols) +
                      " (rows and cols must be > 0)");
    }
    int64_t bytes;
    if (__builtin_mul_overflow(t.rows, t.cols, &bytes) ||
        __builtin_mul_overflow(bytes, dtype_size(t.dtype), &bytes)) {
      throw UserError(where + "tensor '" + t.name + "' is " + shape(t.rows, t.cols) +
                      ", too large for 64-bit byte arithmetic");
    }
  }
  for (auto [key, value] : {std::pair{"peak_sbuf_bytes", p.footprint.peak_sbuf_bytes},
                            std::pair{"peak_psum_bytes", p.footprint.peak_psum_bytes}}) {
    if (value < -1) {
      throw UserError(prefix + "footprint: " + key + " is " + std::to_string(value) +
                      " (must be >= 0, or -1 for unknown)");
    }
  }
}

}  // namespace

void validate(const Program& p) {
  const std::string prefix = p.name.empty() ? "program: " : "program '" + p.name + "': ";
  check_tensors_and_footprint(p, prefix);
  for (int s = 0; s < kStreamCount; ++s) {
    const auto& instructions = p.stream(Stream(s));
    for (size_t i = 0; i < instructions.size(); ++i) {
      InstructionCheck(p, prefix, Stream(s), i).run(instructions[i]);
    }
  }
}

}  // namespace trnsim::isa
