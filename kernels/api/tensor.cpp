#include "kernels/api/tensor.h"

#include "common/error.h"

namespace trnsim {

View TensorRef::all() const { return block({}); }

View TensorRef::block(std::vector<Expr> index) const {
  View v;
  v.tensor = *this;
  v.block = std::move(index);
  v.np = partitions;
  v.nf = free;
  return v;
}

std::vector<FreeAxis> View::free_pattern() const {
  if (free_dims.empty()) return {{1, nf}};
  return free_dims;
}

View View::rows(Expr first, int64_t count) const {
  if (!rectangular()) throw UserError("'" + tensor.name + "': rows() of a strided view");
  View v = *this;
  v.p0 = p0 + first;
  v.np = count;
  return v;
}

View View::cols(Expr first, int64_t count) const {
  if (!rectangular()) throw UserError("'" + tensor.name + "': cols() of a strided view");
  View v = *this;
  v.f0 = f0 + first;
  v.nf = count;
  return v;
}

View hbm_slice(const TensorRef& t, Expr r0, int64_t nr, Expr c0, int64_t nc) {
  return t.all().rows(std::move(r0), nr).cols(std::move(c0), nc);
}

}  // namespace trnsim
