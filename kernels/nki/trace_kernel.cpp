#include "kernels/nki/trace_kernel.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/did_you_mean.h"
#include "common/error.h"
#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "kernels/nki/trace_liveness.h"

namespace trnsim::nki {

using nlohmann::json;

struct TraceKernel::Events {
  struct Event {
    int line;     // in the trace file, from 1 (the header)
    std::string kind;
    json fields;  // null for a loop marker read without a document (loop_marker())
    int64_t index = -1;  // an `iteration` read so: its index
  };
  struct LoopShape {
    std::vector<size_t> iterations;  // index of each `iteration` event, in order
    size_t end = 0;                  // index of its `loop_end`
  };
  std::string path;
  std::string kernel;
  std::string source;  // the header's "source": the kernel file that was traced, or ""
  std::vector<std::string> returns;  // the header's "returns": the HBM tensors the kernel returned
  std::vector<Event> events;
  std::map<size_t, LoopShape> loops;  // by the index of its `loop_begin`
  std::vector<std::pair<size_t, BlockKey>> dead_after;  // the liveness pass, by event
};

namespace {

using Events = TraceKernel::Events;
using Event = Events::Event;

// A trace has one line per backend call: tens of megabytes for the largest library kernels.
constexpr uint64_t kMaxTraceBytes = uint64_t{256} << 20;

// A malformed trace is an input error (exit 2); `path` is already an excerpt.
[[noreturn]] void fail_at(const std::string& path, int line, const std::string& what) {
  throw InputError(path + ":" + std::to_string(line) + ": " + what);
}

// The fields of each event (python/TRACE_FORMAT.md) besides "event" and "at", and of a view.
// Any other field is refused, so that a misspelt one never silently becomes a default.
const std::map<std::string, std::vector<std::string>>& event_fields() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"hbm", {"id", "name", "rows", "cols", "dtype", "role", "shape", "values"}},
      {"tile",
       {"id", "name", "site", "memory", "dtype", "block_dims", "partitions", "free", "bufs"}},
      {"loop_begin", {"name", "count", "kind"}},
      {"iteration", {"index"}},
      {"loop_end", {}},
      {"dma_copy", {"dst", "src"}},
      {"dma_transpose", {"dst", "src"}},
      {"matmul", {"psum", "stationary", "moving"}},
      {"transpose", {"psum", "src"}},
      {"tensor_copy", {"dst", "src", "engine", "lowering"}},
      {"tensor_tensor", {"dst", "a", "b", "op", "engine", "lowering"}},
      {"tensor_scalar",
       {"dst", "src", "op", "operand", "engine", "reverse", "op1", "operand1", "reverse1",
        "lowering"}},
      {"activation", {"dst", "src", "func", "scale", "bias", "lowering"}},
      {"memset", {"dst", "value"}},
      {"reduce", {"dst", "src", "op", "lowering"}},
      {"reciprocal", {"dst", "src"}},
      {"bn_stats", {"dst", "src"}},
      {"bn_aggr", {"dst", "src"}},
      {"iota", {"dst", "offset", "partition_step", "free_step"}},
      {"affine_select",
       {"dst", "offset", "partition_step", "free_step", "cmp", "on_true", "on_false"}},
      {"tensor_tensor_scan",
       {"dst", "a", "b", "initial", "op0", "op1", "reverse0", "reverse1"}}};
  return table;
}
// Refuses a field of `object` (named `what` in the message) that `allowed` does not list.
void check_fields(const std::string& path, int line, const std::string& what, const json& object,
                  const std::vector<std::string>& allowed, bool is_event) {
  for (const auto& entry : object.items()) {
    const std::string& key = entry.key();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (is_event && (key == "event" || key == "at")) continue;
    fail_at(path, line,
            what + ": unknown field '" + excerpt(key) + "'" + did_you_mean(key, allowed) +
                " (fields: " + join_names(allowed) + ")");
  }
}

const json& field(const Events& t, const Event& e, const char* key, json::value_t type) {
  const auto it = e.fields.find(key);
  const bool number = type == json::value_t::number_float;
  const bool ok = it != e.fields.end() &&
                  (number ? it->is_number()
                   : type == json::value_t::number_integer ? it->is_number_integer()
                                                           : it->type() == type);
  if (!ok) {
    const char* kind = number ? "a number"
                       : type == json::value_t::number_integer ? "an integer"
                       : type == json::value_t::string         ? "a string"
                       : type == json::value_t::array          ? "an array"
                                                               : "an object";
    fail_at(t.path, e.line, excerpt(e.kind) + ": expected field '" + key + "' (" + kind + ")");
  }
  return *it;
}

int64_t integer(const Events& t, const Event& e, const char* key) {
  return field(t, e, key, json::value_t::number_integer).get<int64_t>();
}
std::string text(const Events& t, const Event& e, const char* key) {
  return field(t, e, key, json::value_t::string).get<std::string>();
}
float number(const Events& t, const Event& e, const char* key) {
  return field(t, e, key, json::value_t::number_float).get<float>();
}
// A name field read by one of the name tables of common/types.h (a dtype, an op, a function).
template <typename T>
T named(const Events& t, const Event& e, const char* key, T (*parse)(const std::string&)) {
  const std::string name = text(t, e, key);
  try {
    return parse(name);
  } catch (const UserError& err) {
    throw InputError(std::string(key) + ": " + err.what());  // the trace, not the run, is wrong
  }
}

// The loop markers exactly as the tracer writes them, `{"event":"iteration","index":N}` and
// `{"event":"loop_end"}`, which are most lines of a trace (a loop of two iterations is four
// lines around its body), read without building a JSON document. Any other spelling goes
// through the JSON parser and its checks.
std::optional<Event> loop_marker(std::string_view line, int line_number) {
  constexpr std::string_view kIteration = R"({"event":"iteration","index":)";
  if (line == R"({"event":"loop_end"})") return Event{line_number, "loop_end", json(), -1};
  if (line.size() < kIteration.size() + 2 || line.substr(0, kIteration.size()) != kIteration ||
      line.back() != '}')
    return std::nullopt;
  const std::string_view digits =
      line.substr(kIteration.size(), line.size() - kIteration.size() - 1);
  if (digits.size() > 18 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  int64_t index = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + (c - '0');
  }
  return Event{line_number, "iteration", json(), index};
}

// Pass 2 of load(): pairs every loop_begin with its iterations and its loop_end.
void index_loops(Events& t) {
  std::vector<size_t> open;
  for (size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    if (e.kind == "loop_begin") {
      if (integer(t, e, "count") <= 0) fail_at(t.path, e.line, "loop_begin: expected count > 0");
      text(t, e, "name");
      const std::string kind = text(t, e, "kind");
      if (kind != "affine" && kind != "sequential")
        fail_at(t.path, e.line, "loop_begin: expected kind 'affine' or 'sequential'");
      open.push_back(i);
      t.loops[i];
    } else if (e.kind == "iteration") {
      if (open.empty()) fail_at(t.path, e.line, "iteration outside any loop");
      auto& its = t.loops[open.back()].iterations;
      const int64_t index = e.fields.is_null() ? e.index : integer(t, e, "index");
      if (index != static_cast<int64_t>(its.size()))
        fail_at(t.path, e.line, "iteration: expected index " + std::to_string(its.size()));
      its.push_back(i);
    } else if (e.kind == "loop_end") {
      if (open.empty()) fail_at(t.path, e.line, "loop_end without a loop_begin");
      Events::LoopShape& loop = t.loops[open.back()];
      const Event& begin = t.events[open.back()];
      if (static_cast<int64_t>(loop.iterations.size()) != integer(t, begin, "count"))
        fail_at(t.path, e.line, "loop_end: expected " + std::to_string(integer(t, begin, "count")) +
                                    " iterations of loop '" + text(t, begin, "name") + "', got " +
                                    std::to_string(loop.iterations.size()));
      loop.end = i;
      open.pop_back();
    }
  }
  if (!open.empty())
    fail_at(t.path, t.events[open.back()].line, "loop_begin: expected a matching loop_end");
}

// The operations whose destination they write as a whole without reading it: a new value
// there. Any other operation (a matmul accumulating into PSUM, and any operation this list does
// not name) reads its destination too, so its value lives on.
bool overwrites_destination(const std::string& kind) {
  static const std::vector<std::string> kinds = {
      "dma_copy", "dma_transpose", "transpose", "tensor_copy", "tensor_tensor",
      "tensor_scalar", "activation", "memset", "reduce", "reciprocal", "tensor_tensor_scan",
      "iota", "affine_select", "bn_stats", "bn_aggr"};
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// The tile declarations and tile-block accesses of the trace, for the liveness pass
// (trace_liveness.h). A field that is not a well-formed view is left out: the replay refuses it.
std::vector<LivenessEvent> liveness_events(const Events& t) {
  const auto int_of = [](const json& o, const char* key, int64_t& out) {  // of an object
    const auto it = o.find(key);
    if (it == o.end() || !it->is_number_integer()) return false;
    out = it->get<int64_t>();
    return true;
  };
  std::map<int64_t, std::pair<int64_t, int64_t>> tiles;  // id -> partitions, free
  std::vector<LivenessEvent> out;
  for (size_t i = 0; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    int64_t id = 0, partitions = 0, free = 0;
    if (e.kind == "tile") {
      const auto site = e.fields.find("site");
      if (!int_of(e.fields, "id", id) || !int_of(e.fields, "partitions", partitions) ||
          !int_of(e.fields, "free", free) || site == e.fields.end() || !site->is_string())
        continue;
      tiles[id] = {partitions, free};
      out.push_back({LivenessEvent::Kind::declaration, i, {id, {}}, site->get<std::string>()});
      continue;
    }
    for (const auto& [name, v] : e.fields.items()) {
      // A view of a tile: [tile, [block...], p0, np, f0, nf (, partition_stride, free_dims)].
      const bool view = v.is_array() && (v.size() == 6 || v.size() == 8) && v[1].is_array() &&
                        std::all_of(v.begin() + 2, v.begin() + 6,
                                    [](const json& x) { return x.is_number_integer(); });
      if (!view || !v[0].is_number_integer() || !tiles.count(id = v[0].get<int64_t>())) continue;
      const json* block = &v[1];
      const int64_t p0 = v[2].get<int64_t>(), np = v[3].get<int64_t>();
      const int64_t f0 = v[4].get<int64_t>(), nf = v[5].get<int64_t>();
      LivenessEvent access{LivenessEvent::Kind::access, i, {id, {}}, ""};
      for (const json& b : *block)
        if (b.is_number_integer()) access.key.block.push_back(b.get<int64_t>());
      const bool destination = name == "dst" || name == "psum";
      // Only a plain rectangle is known to cover the block; a strided pattern may not.
      const bool plain = v.size() == 6;
      const bool whole = plain && p0 == 0 && np == tiles[id].first && f0 == 0 &&
                         nf == tiles[id].second;
      access.writes_whole = destination && overwrites_destination(e.kind) && whole;
      access.reads = !destination || !overwrites_destination(e.kind);
      out.push_back(std::move(access));
    }
  }
  return out;
}

// Replays events [begin, end) on the backend; `tensors` maps trace ids to the backend's refs.
class Replayer {
 public:
  Replayer(const Events& t, Backend& b, const std::map<std::string, Engine>& engines)
      : t_(t), b_(b), engines_(engines) {}

  void run(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const Event& e = t_.events[i];
      if (e.kind == "loop_begin") {
        i = replay_loop(i);
        continue;
      }
      try {
        call(e);
        release_dead_blocks(i);
      } catch (const InputError& err) {  // the trace itself is malformed
        throw InputError(located(e, err.what()));
      } catch (const UserError& err) {  // the backend refused a call: a run that failed
        throw UserError(located(e, err.what()));
      }
    }
  }

 private:
  // "k.py:12 (trace.jsonl:40): <what>": the kernel line the event came from, if recorded.
  std::string located(const Event& e, const std::string& what) const {
    const auto at = e.fields.find("at");
    const std::string where = t_.path + ":" + std::to_string(e.line);
    return (at != e.fields.end() && at->is_string()
                ? excerpt(at->get<std::string>(), kLongExcerptChars) + " (" + where + ")"
                : where) +
           ": " + what;
  }

  // Tells the backend which tile blocks hold dead data after event `i` (events replay in
  // increasing order).
  void release_dead_blocks(size_t i) {
    const auto& dead = t_.dead_after;
    for (; next_dead_ < dead.size() && dead[next_dead_].first <= i; ++next_dead_) {
      const BlockKey& key = dead[next_dead_].second;
      const TensorRef& tile = tensors_.at(key.tile);
      b_.release(key.block.empty() ? tile.all()
                                   : tile.block(std::vector<Expr>(key.block.begin(),
                                                                  key.block.end())));
    }
  }

  size_t replay_loop(size_t i) {
    const Event& e = t_.events[i];
    const Events::LoopShape& loop = t_.loops.at(i);
    const Loop kind = text(t_, e, "kind") == "affine" ? Loop::affine : Loop::sequential;
    b_.for_range(text(t_, e, "name"), integer(t_, e, "count"), kind, [&](Expr index) {
      const size_t k = static_cast<size_t>(index.value());
      const size_t next = k + 1 < loop.iterations.size() ? loop.iterations[k + 1] : loop.end;
      run(loop.iterations[k] + 1, next);
    });
    return loop.end;
  }

  // A view: [tensor, [block...], p0, np, f0, nf] and, for a pattern that is not a rectangle,
  // its partition stride (or null) and free dims (python/TRACE_FORMAT.md, "Views").
  View view(const Event& e, const char* key) {
    const json& v = field(t_, e, key, json::value_t::array);
    const std::string what = e.kind + "." + key;
    const auto integer_at = [&](size_t i) {
      if (!v[i].is_number_integer())
        fail_at(t_.path, e.line, what + ": expected an integer at position " +
                                     std::to_string(i) + " of the view");
      return v[i].get<int64_t>();
    };
    if (v.size() != 6 && v.size() != 8)
      fail_at(t_.path, e.line,
              what + ": expected a view [tensor, [block...], p0, np, f0, nf] or, strided, "
                     "[..., partition_stride or null, free_dims]");
    const int64_t id = integer_at(0);
    const auto it = tensors_.find(id);
    if (it == tensors_.end())
      fail_at(t_.path, e.line, what + ": tensor " + std::to_string(id) + " is not declared");
    View out;
    out.tensor = it->second;
    const json& block = v[1];
    if (!block.is_array() || block.size() != out.tensor.block_dims.size())
      fail_at(t_.path, e.line,
              what + ": expected " + std::to_string(out.tensor.block_dims.size()) +
                  " block indices for '" + excerpt(out.tensor.name) + "'");
    for (const json& b : block) {
      if (!b.is_number_integer()) fail_at(t_.path, e.line, what + ": block index not integer");
      out.block.emplace_back(b.get<int64_t>());
    }
    out.p0 = integer_at(2);
    out.np = integer_at(3);
    out.f0 = integer_at(4);
    out.nf = integer_at(5);
    if (v.size() == 8) {
      if (!v[6].is_null()) out.partition_stride = integer_at(6);
      out.free_dims = free_dims(e.line, what, v[7]);
    }
    return out;
  }

  // A view's free dims: 1 to 4 [stride, count] pairs of integers, counts > 0, multiplying to
  // at most 2^62 (the view's limits check then compares the product with nf).
  std::vector<FreeAxis> free_dims(int line, const std::string& what, const json& dims) {
    if (!dims.is_array() || dims.empty() || dims.size() > kMaxViewFreeAxes)
      fail_at(t_.path, line, what + ".free_dims: expected 1 to " +
                                 std::to_string(kMaxViewFreeAxes) + " [stride, count] pairs");
    std::vector<FreeAxis> out;
    int64_t product = 1;
    for (const json& d : dims) {
      const bool pair = d.is_array() && d.size() == 2 && d[0].is_number_integer() &&
                        d[1].is_number_integer() && d[1].get<int64_t>() > 0;
      if (!pair || __builtin_mul_overflow(product, d[1].get<int64_t>(), &product) ||
          product > (int64_t{1} << 62))
        fail_at(t_.path, line,
                what + ".free_dims: expected [stride, count] integer pairs, count > 0, with "
                       "a product below 2^62");
      out.push_back({d[0].get<int64_t>(), d[1].get<int64_t>()});
    }
    return out;
  }

  // A number, or a view of a [P, 1] tile of per-partition scalars.
  Scalar scalar(const Event& e, const char* key) {
    const auto it = e.fields.find(key);
    if (it != e.fields.end() && it->is_array()) return Scalar(view(e, key));
    return Scalar(number(t_, e, key));
  }

  // The rows x cols numbers of a constant (row-major), each a finite float.
  std::vector<float> values(const Event& e) {
    std::vector<float> out;
    for (const json& v : field(t_, e, "values", json::value_t::array)) {
      if (!v.is_number() || !std::isfinite(static_cast<float>(v.get<double>())))
        fail_at(t_.path, e.line, "hbm: expected finite numbers in 'values'");
      out.push_back(static_cast<float>(v.get<double>()));
    }
    return out;
  }

  // An optional boolean field, false when absent.
  bool flag(const Event& e, const char* key) {
    const auto it = e.fields.find(key);
    if (it == e.fields.end()) return false;
    if (!it->is_boolean()) fail_at(t_.path, e.line, e.kind + ": expected '" + key + "' true/false");
    return it->get<bool>();
  }

  // The engine of an operation: its `engine` field (an explicit engine= wins), else its
  // `lowering`'s entry in the nki_engine table; without either, Vector for a tensor_tensor
  // (whose engine was not recorded before either field existed) and an error for the others.
  Engine engine_of(const Event& e) {
    if (e.fields.contains("lowering") && !e.fields.contains("engine")) {
      const std::string lowering = text(t_, e, "lowering");
      const std::string function = lowering.substr(lowering.find('.') + 1);
      const auto it = engines_.find(function);
      if (it == engines_.end())
        throw InputError("lowering '" + excerpt(lowering) + "': no entry nki_engine." +
                         excerpt(function) + " in the hardware config");
      return it->second;
    }
    if (e.kind == "tensor_tensor" && !e.fields.contains("engine")) return Engine::vector;
    return engine(text(t_, e, "engine"));
  }

  static Engine engine(const std::string& name) {
    for (Engine e : {Engine::tensor, Engine::vector, Engine::scalar, Engine::gpsimd})
      if (name == engine_name(e)) return e;
    throw InputError(unknown_name("engine", name, {"Tensor", "Vector", "Scalar", "GpSimd"}));
  }

  // An N-D tensor's "shape": positive integers whose product is rows x cols (its leading
  // dimensions flattened into the rows, python/TRACE_FORMAT.md).
  void check_shape(const Event& e, int64_t rows, int64_t cols) {
    int64_t product = 1;
    bool ok = true;
    for (const json& d : field(t_, e, "shape", json::value_t::array))
      ok = ok && d.is_number_integer() && d.get<int64_t>() > 0 &&
           !__builtin_mul_overflow(product, d.get<int64_t>(), &product);
    int64_t elements = 0;
    if (!ok || __builtin_mul_overflow(rows, cols, &elements) || product != elements)
      throw InputError("hbm: expected 'shape' to be positive integers whose product is rows x "
                       "cols");
  }

  void declare(const Event& e) {
    const int64_t id = integer(t_, e, "id");
    const std::string name = text(t_, e, "name");
    const Dtype dtype = named(t_, e, "dtype", parse_dtype);
    TensorRef ref;
    if (e.kind == "hbm") {
      const std::string role = text(t_, e, "role");
      const int64_t rows = integer(t_, e, "rows"), cols = integer(t_, e, "cols");
      if (e.fields.contains("shape")) check_shape(e, rows, cols);
      if (role == "input") ref = b_.hbm_input(name, rows, cols, dtype);
      else if (role == "output") ref = b_.hbm_output(name, rows, cols, dtype);
      else if (role == "scratch") ref = b_.hbm_scratch(name, rows, cols, dtype);
      else if (role == "constant") ref = b_.hbm_constant(name, rows, cols, dtype, values(e));
      else
        throw InputError("hbm: expected role 'input', 'output', 'scratch' or 'constant'");
    } else {
      const std::string memory = text(t_, e, "memory");
      const int64_t partitions = integer(t_, e, "partitions"), free = integer(t_, e, "free");
      const int bufs = static_cast<int>(integer(t_, e, "bufs"));
      std::vector<int64_t> blocks;
      for (const json& d : field(t_, e, "block_dims", json::value_t::array)) {
        if (!d.is_number_integer()) throw InputError("tile: expected integer block_dims");
        blocks.push_back(d.get<int64_t>());
      }
      if (memory == "sbuf") ref = b_.sbuf_tile(name, blocks, partitions, free, dtype, bufs);
      else if (memory == "psum" && blocks.empty())
        ref = b_.psum_tile(name, partitions, free, bufs);
      else
        throw InputError("tile: expected memory 'sbuf', or 'psum' without block dims");
    }
    tensors_[id] = ref;
  }

  void call(const Event& e) {
    const std::string& k = e.kind;
    if (k == "hbm" || k == "tile") return declare(e);
    if (k == "dma_copy") return b_.dma_copy(view(e, "dst"), view(e, "src"));
    if (k == "dma_transpose") return b_.dma_transpose(view(e, "dst"), view(e, "src"));
    if (k == "matmul")
      return b_.matmul(view(e, "psum"), view(e, "stationary"), view(e, "moving"));
    if (k == "transpose") return b_.transpose(view(e, "psum"), view(e, "src"));
    if (k == "tensor_copy") return b_.tensor_copy(view(e, "dst"), view(e, "src"), engine_of(e));
    if (k == "tensor_tensor")
      return b_.tensor_tensor(view(e, "dst"), view(e, "a"), view(e, "b"),
                              named(t_, e, "op", parse_alu_op), engine_of(e));
    if (k == "tensor_scalar") {
      const ScalarOp op0{named(t_, e, "op", parse_alu_op), scalar(e, "operand"),
                         flag(e, "reverse")};
      ScalarOp op1;
      if (e.fields.contains("op1"))
        op1 = {named(t_, e, "op1", parse_alu_op), scalar(e, "operand1"), flag(e, "reverse1")};
      return b_.tensor_scalar(view(e, "dst"), view(e, "src"), op0, op1, engine_of(e));
    }
    if (k == "activation") {
      if (e.fields.contains("lowering")) engine_of(e);  // an unknown function is an error here too
      return b_.activation(view(e, "dst"), view(e, "src"), named(t_, e, "func", parse_act_func),
                           scalar(e, "scale"), scalar(e, "bias"));
    }
    if (k == "memset") return b_.memset(view(e, "dst"), number(t_, e, "value"));
    if (k == "reduce" && e.fields.contains("lowering")) engine_of(e);
    if (k == "reduce")
      return b_.reduce(view(e, "dst"), view(e, "src"), named(t_, e, "op", parse_alu_op));
    if (k == "reciprocal") return b_.reciprocal(view(e, "dst"), view(e, "src"));
    if (k == "bn_stats") return b_.bn_stats(view(e, "dst"), view(e, "src"));
    if (k == "bn_aggr") return b_.bn_aggr(view(e, "dst"), view(e, "src"));
    if (k == "iota" || k == "affine_select") {
      const AffineIndex index{integer(t_, e, "offset"), integer(t_, e, "partition_step"),
                              integer(t_, e, "free_step")};
      if (k == "iota") return b_.iota(view(e, "dst"), index);
      return b_.affine_select(view(e, "dst"), index, named(t_, e, "cmp", parse_alu_op),
                              view(e, "on_true"), number(t_, e, "on_false"));
    }
    if (k == "tensor_tensor_scan")
      return b_.tensor_tensor_scan(view(e, "dst"), view(e, "a"), view(e, "b"),
                                   scalar(e, "initial"), named(t_, e, "op0", parse_alu_op),
                                   named(t_, e, "op1", parse_alu_op), flag(e, "reverse0"),
                                   flag(e, "reverse1"));
    throw std::logic_error("TraceKernel: event '" + k + "' passed load() but has no call");
  }

  const Events& t_;
  Backend& b_;
  const std::map<std::string, Engine>& engines_;
  std::map<int64_t, TensorRef> tensors_;
  size_t next_dead_ = 0;  // the first entry of t_.dead_after not released yet
};

}  // namespace

TraceKernel TraceKernel::load(const std::string& path) {
  return from_text(read_input_file(path, "an NKI kernel trace (JSON lines)", kMaxTraceBytes),
                   path_excerpt(path));
}

TraceKernel TraceKernel::from_text(std::string_view text, const std::string& origin) {
  auto t = std::make_shared<Events>();
  t->path = origin;
  int line_number = 0;
  for (size_t begin = 0; begin < text.size();) {
    const size_t newline = std::min(text.find('\n', begin), text.size());
    const std::string_view line = text.substr(begin, newline - begin);
    begin = newline + 1;
    ++line_number;
    if (line.empty()) continue;
    if (line_number > 1) {
      if (std::optional<Event> marker = loop_marker(line, line_number)) {
        t->events.push_back(std::move(*marker));
        continue;
      }
    }
    json j = parse_json_input(line, origin, {}, static_cast<size_t>(line_number));
    if (!j.is_object()) fail_at(origin, line_number, "expected one JSON object");
    if (line_number == 1) {
      JsonObject header(j, origin + ":1");
      const bool ours = header.has("format") && j["format"] == kTraceFormat &&
                        header.has("version") && j["version"] == kTraceVersion;
      if (!ours)
        fail_at(origin, 1,
                std::string("expected the header {\"format\": \"") + kTraceFormat +
                    "\", \"version\": " + std::to_string(kTraceVersion) +
                    ", \"kernel\": NAME, ...}");
      t->kernel = header.string("kernel");
      if (header.has("source")) t->source = header.string("source");
      if (header.has("returns")) t->returns = header.strings("returns");
      header.finish();
      continue;
    }
    const auto kind = j.find("event");
    if (kind == j.end() || !kind->is_string())
      fail_at(origin, line_number, "expected a field 'event' (a string)");
    const std::string name = kind->get<std::string>();
    const auto fields = event_fields().find(name);
    if (fields == event_fields().end()) {
      std::vector<std::string> events;
      for (const auto& [known, unused] : event_fields()) events.push_back(known);
      fail_at(origin, line_number, unknown_name("event", name, events));
    }
    check_fields(origin, line_number, name, j, fields->second, true);
    t->events.push_back({line_number, name, std::move(j)});
  }
  if (line_number == 0) fail_at(origin, 1, "expected the header line; the file is empty");
  index_loops(*t);
  t->dead_after = dead_after(liveness_events(*t));
  return TraceKernel(std::move(t));
}

const std::string& TraceKernel::name() const { return events_->kernel; }
const std::string& TraceKernel::source() const { return events_->source; }
const std::vector<std::string>& TraceKernel::returns() const { return events_->returns; }

std::map<std::string, std::vector<int64_t>> TraceKernel::hbm_shapes() const {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const Event& e : events_->events) {
    if (e.kind != "hbm" || !e.fields.contains("shape") || !e.fields["shape"].is_array()) continue;
    const auto name = e.fields.find("name");
    if (name == e.fields.end() || !name->is_string()) continue;
    std::vector<int64_t>& shape = shapes[name->get<std::string>()];
    shape.clear();
    for (const json& d : e.fields["shape"])
      if (d.is_number_integer()) shape.push_back(d.get<int64_t>());
  }
  return shapes;
}

void TraceKernel::replay(Backend& backend, const std::map<std::string, Engine>& engines) const {
  Replayer(*events_, backend, engines).run(0, events_->events.size());
}

}  // namespace trnsim::nki
