// validate(Program): the structural checks of program.h. Each failure is one line:
// "program 'name': <stream>[<index>]: <problem>".
#include <set>
#include <string>

#include "common/excerpt.h"
#include "sim/isa/program.h"

namespace trnsim::isa {
namespace {

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
    const OpcodeInfo& info = opcode_info(in.op);
    const std::string op = info.name;
    const bool runs = is_dma(s_) ? (info.streams & kOnDmaQueues)
                                 : (info.streams & on_engine(engine_of(s_)));
    if (!runs)
      fail(op + " runs on " + stream_set_name(info.streams) + ", not on " + stream_name(s_));
    operand("dst", in.dst, true, op);
    operand("src0", in.src0, info.reads_src0, op);
    operand("src1", in.src1, info.reads_src1 || (info.scalar_tiles && in.src1.valid()), op);
    operand("src2", in.src2, info.scalar_tiles && in.src2.valid(), op);
    if (!is_dma(s_)) {
      for (const auto* ap : {&in.dst, &in.src0, &in.src1, &in.src2}) {
        if (ap->valid() && ap->memory == Memory::hbm) {
          fail(op + " on " + stream_name(s_) + " cannot access hbm; only DMA queues can");
        }
      }
    }
    require_placement(op, "dst", in.dst, info.dst);
    if (info.reads_src0) require_placement(op, "src0", in.src0, info.src);
    if (info.reads_src1) require_placement(op, "src1", in.src1, info.src);
    if (info.scalar_tiles) scalar_tiles(op, in, info);
    if (in.alu1 != AluOp::bypass && in.op != Opcode::tensor_scalar &&
        in.op != Opcode::tensor_tensor_scan)
      fail("alu1 is set but only TENSOR_SCALAR and TENSOR_TENSOR_SCAN have a second op");
    if (in.accumulate && !info.may_accumulate)
      fail("accumulate is set but " + op + " cannot accumulate");
    shapes(in, info);
    waits(in);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw UserError(where_ + problem); }

  // src1 / src2 of TENSOR_SCALAR and ACTIVATE: [P, 1] tiles of one scalar per partition of src0.
  void scalar_tiles(const std::string& op, const Instruction& in, const OpcodeInfo& info) {
    for (const auto& [name, ap] : {std::pair{"src1", &in.src1}, std::pair{"src2", &in.src2}}) {
      if (!ap->valid() || (ap == &in.src1 && info.reads_src1)) continue;
      require_placement(op, name, *ap, info.src);
      if (ap->partitions != in.src0.partitions || ap->free_elements() != 1)
        fail(op + " " + name + " must be a [" + std::to_string(in.src0.partitions) +
             ", 1] tile of per-partition scalars, got " + shape(*ap));
    }
  }

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
      fail(name + " is " + dtype_name(ap.dtype) + " but hbm tensor '" + excerpt(t.name) + "' is " +
           dtype_name(t.dtype));
    }
    if (ap.start_partition != 0) {
      fail(name + " is on hbm but has start_partition " + std::to_string(ap.start_partition) +
           " (must be 0)");
    }
    if (begin < 0 || end > t.bytes()) {
      fail(name + " " + describe(ap, excerpt(t.name)) + " touches bytes [" + std::to_string(begin) +
           ", " + std::to_string(end) + ") of hbm tensor '" + excerpt(t.name) + "', which has " +
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
    if (ap.start_partition < 0) {
      fail(name + " starts at partition " + std::to_string(ap.start_partition) +
           " (must be >= 0)");
    }
    if (begin < 0) {
      fail(name + " " + describe(ap) + " starts at byte " + std::to_string(begin) +
           " of its partition (must be >= 0)");
    }
  }

  void require_placement(const std::string& op, const char* name, const AccessPattern& ap,
                         Placement where) {
    if (!placement_allows(where, ap.memory)) {
      fail(op + " " + name + " must be on " + placement_name(where) + ", not " +
           memory_name(ap.memory));
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

  void shapes(const Instruction& in, const OpcodeInfo& info) {
    const std::string op = info.name;
    switch (info.shape) {
      case ShapeRule::same_elements:
        if (in.dst.partitions * in.dst.free_elements() !=
            in.src0.partitions * in.src0.free_elements()) {
          fail("dst " + shape(in.dst) + " and src0 " + shape(in.src0) +
               " hold different numbers of elements");
        }
        break;
      case ShapeRule::transposed:
        transposed(op, in);
        break;
      case ShapeRule::matmul:
        if (in.src0.partitions != in.src1.partitions) {
          fail(op + " src0 and src1 must have the same partition count K (" +
               std::to_string(in.src0.partitions) + " vs " + std::to_string(in.src1.partitions) +
               ")");
        }
        if (in.dst.partitions != in.src0.free_elements() ||
            in.dst.free_elements() != in.src1.free_elements()) {
          fail(op + " of src0 (stationary) " + shape(in.src0) + " and src1 (moving) " +
               shape(in.src1) + " gives " +
               shape(in.src0.free_elements(), in.src1.free_elements()) + " but dst is " +
               shape(in.dst));
        }
        break;
      case ShapeRule::elementwise:
        same_shape("dst", in.dst, "src0", in.src0);
        if (info.reads_src1) same_shape("dst", in.dst, "src1", in.src1);
        break;
      case ShapeRule::reduce_free:
        if (in.dst.partitions != in.src0.partitions || in.dst.free_elements() != 1) {
          fail(op + " of src0 " + shape(in.src0) + " gives " + shape(in.src0.partitions, 1) +
               " but dst is " + shape(in.dst));
        }
        break;
      case ShapeRule::bn_stats:
        if (in.dst.partitions != in.src0.partitions || in.dst.free_elements() != 6)
          fail(op + " of src0 " + shape(in.src0) + " gives " + shape(in.src0.partitions, 6) +
               " but dst is " + shape(in.dst));
        if (in.src0.free_elements() > kBnStatsFmax)
          fail(op + " src0 " + shape(in.src0) + " has more than " +
               std::to_string(kBnStatsFmax) + " elements per partition (bn_stats_fmax)");
        break;
      case ShapeRule::bn_aggr:
        if (in.dst.partitions != in.src0.partitions || in.dst.free_elements() != 2)
          fail(op + " of src0 " + shape(in.src0) + " gives " + shape(in.src0.partitions, 2) +
               " but dst is " + shape(in.dst));
        if (in.src0.free_elements() % 3 != 0)
          fail(op + " src0 " + shape(in.src0) +
               " must hold (count, mean, M2) triples: a multiple of 3 elements per partition");
        break;
      case ShapeRule::dst_only:
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
      throw UserError(where + "duplicate tensor name '" + excerpt(t.name) + "'");
    if (t.rows <= 0 || t.cols <= 0) {
      throw UserError(where + "tensor '" + excerpt(t.name) + "' is " + shape(t.rows, t.cols) +
                      " (rows and cols must be > 0)");
    }
    int64_t bytes;
    if (__builtin_mul_overflow(t.rows, t.cols, &bytes) ||
        __builtin_mul_overflow(bytes, dtype_size(t.dtype), &bytes)) {
      throw UserError(where + "tensor '" + excerpt(t.name) + "' is " + shape(t.rows, t.cols) +
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
  const std::string prefix = p.name.empty() ? "program: " : "program '" + excerpt(p.name) + "': ";
  check_tensors_and_footprint(p, prefix);
  for (int s = 0; s < kStreamCount; ++s) {
    const auto& instructions = p.stream(Stream(s));
    for (size_t i = 0; i < instructions.size(); ++i) {
      InstructionCheck(p, prefix, Stream(s), i).run(instructions[i]);
    }
  }
}

}  // namespace trnsim::isa
