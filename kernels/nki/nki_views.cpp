#include "kernels/nki/nki_views.h"

#include "common/error.h"

namespace trnsim::nki {
namespace {

// "first:first + count", folded to "a:b" when the start is a number.
std::string slice(const Expr& first, int64_t count) {
  if (first.is_constant())
    return std::to_string(first.value()) + ":" + std::to_string(first.value() + count);
  return first.str() + ":" + (first + Expr(count)).str();
}

bool whole(const View& v) {
  return v.p0.is_constant() && v.p0.value() == 0 && v.np == v.tensor.partitions &&
         v.f0.is_constant() && v.f0.value() == 0 && v.nf == v.tensor.free;
}

std::string indexed(const View& v, bool as_target, NkiApi api) {
  if (!v.rectangular())  // of the C++ kernels' calls, only tensor_tensor writes them (above)
    throw UserError("NKI emission: '" + v.tensor.name + "' is a strided view, which " +
                    "emit-nki writes only in tensor_tensor");
  std::vector<std::string> blocks;
  for (const Expr& b : v.block) blocks.push_back(b.str());
  const bool all_partitions =
      v.p0.is_constant() && v.p0.value() == 0 && v.np == v.tensor.partitions;
  const std::string partitions = all_partitions ? ":" : slice(v.p0, v.np);
  std::vector<std::string> parts;
  if (api == NkiApi::v0_1) {  // [blocks..., partitions, free]
    parts = blocks;
    if (!whole(v)) {
      parts.push_back(partitions);
      parts.push_back(slice(v.f0, v.nf));
    }
  } else if (!whole(v) || !blocks.empty()) {  // [partitions, blocks..., free]
    const bool all_free = v.f0.is_constant() && v.f0.value() == 0 && v.nf == v.tensor.free;
    parts.push_back(partitions);
    parts.insert(parts.end(), blocks.begin(), blocks.end());
    parts.push_back(all_free ? ":" : slice(v.f0, v.nf));
  }
  if (parts.empty())
    return as_target && api == NkiApi::v0_1 ? v.tensor.name + "[...]" : v.tensor.name;
  std::string out = v.tensor.name + "[";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + "]";
}

// The element strides of `v` along the grid's free axes: a rectangle's are its row-major ones
// over the grid; a strided view's its own (a stride of 0 keeps its axis, as a broadcast).
std::vector<int64_t> grid_strides(const View& v, const std::vector<int64_t>& counts) {
  std::vector<int64_t> strides(counts.size(), 1);
  if (v.rectangular()) {
    for (size_t i = counts.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * counts[i];
  } else {
    for (size_t i = 0; i < counts.size(); ++i) strides[i] = v.free_dims[i].stride;
  }
  return strides;
}

}  // namespace

std::string read_expression(const View& v, NkiApi api) { return indexed(v, false, api); }
std::string write_expression(const View& v, NkiApi api) { return indexed(v, true, api); }

// The free-axis counts of a call's strided operands (all must agree), or none if every
// operand is a rectangle: NKI's elementwise calls take operands of one shape, so a strided
// operand [P, c1, c2] makes the call's rectangles [P, c1, c2] as well.
std::vector<int64_t> common_grid(const std::vector<const View*>& views) {
  std::vector<int64_t> counts;
  for (const View* v : views) {
    if (v->rectangular()) continue;
    if (v->partition_stride != 0)
      throw UserError("NKI emission: '" + v->tensor.name + "' has a partition stride, which " +
                      "emit-nki does not write yet");
    std::vector<int64_t> mine;
    for (const FreeAxis& a : v->free_dims) mine.push_back(a.count);
    if (!counts.empty() && counts != mine)
      throw UserError("NKI emission: strided operands of different shapes in one call");
    counts = mine;
  }
  return counts;
}

// `v` indexed with nl.arange over the grid [np, counts...] (NKI 0.1): the partition index,
// then the free index f0 + sum of stride x arange per axis.
std::string grid_indexed(const View& v, const std::vector<int64_t>& counts) {
  const size_t rank = counts.size() + 1;
  auto axis = [&](size_t at, int64_t n) {
    std::string index = "nl.arange(" + std::to_string(n) + ")[";
    for (size_t i = 0; i < rank; ++i)
      index += std::string(i ? ", " : "") + (i == at ? ":" : "None");
    return index + "]";
  };
  const std::vector<int64_t> strides = grid_strides(v, counts);
  std::string out = v.tensor.name + "[";
  for (const Expr& b : v.block) out += b.str() + ", ";
  out += (v.p0.is_constant() && v.p0.value() == 0 ? "" : v.p0.str() + " + ") + axis(0, v.np);
  out += ", " + (v.f0.is_constant() && v.f0.value() == 0 ? "" : v.f0.str() + " + ");
  for (size_t i = 0; i < counts.size(); ++i)
    out += (i ? " + " : "") + std::to_string(strides[i]) + " * " + axis(i + 1, counts[i]);
  return out + "]";
}

// `v` over the grid [np, counts...] as an access pattern on its tile's storage (the nki
// namespace's `tile.ap`): from one partition to the next, the tile's elements per partition
// (its blocks x free); then each grid axis with v's stride; from v's first element.
std::string ap_indexed(const View& v, const std::vector<int64_t>& counts) {
  int64_t per_partition = v.tensor.free;
  for (int64_t b : v.tensor.block_dims) per_partition *= b;
  Expr offset = v.p0 * per_partition + v.f0;
  int64_t block_stride = v.tensor.free;
  for (size_t i = v.block.size(); i-- > 0;) {
    offset = offset + v.block[i] * block_stride;
    block_stride *= v.tensor.block_dims[i];
  }
  const std::vector<int64_t> strides = grid_strides(v, counts);
  std::string pattern = "[[" + std::to_string(per_partition) + ", " + std::to_string(v.np) + "]";
  for (size_t i = 0; i < counts.size(); ++i)
    pattern += ", [" + std::to_string(strides[i]) + ", " + std::to_string(counts[i]) + "]";
  return v.tensor.name + ".ap(pattern=" + pattern + "], offset=" + offset.str() + ")";
}

}  // namespace trnsim::nki
