#include "kernels/nki/trace_kernel.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.h"

namespace trnsim::nki {

using nlohmann::json;

struct TraceKernel::Events {
  struct Event {
    int line;     // in the trace file, from 1 (the header)
    std::string kind;
    json fields;
  };
  struct LoopShape {
    std::vector<size_t> iterations;  // index of each `iteration` event, in order
    size_t end = 0;                  // index of its `loop_end`
  };
  std::string path;
  std::string kernel;
  std::vector<Event> events;
  std::map<size_t, LoopShape> loops;  // by the index of its `loop_begin`
};

namespace {

using Events = TraceKernel::Events;
using Event = Events::Event;

[[noreturn]] void fail_at(const std::string& path, int line, const std::string& what) {
  throw UserError(path + ":" + std::to_string(line) + ": " + what);
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
    fail_at(t.path, e.line, e.kind + ": expected field '" + key + "' (" + kind + ")");
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
      if (integer(t, e, "index") != static_cast<int64_t>(its.size()))
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

// Replays events [begin, end) on the backend; `tensors` maps trace ids to the backend's refs.
class Replayer {
 public:
  Replayer(const Events& t, Backend& b) : t_(t), b_(b) {}

  void run(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const Event& e = t_.events[i];
      if (e.kind == "loop_begin") {
        i = replay_loop(i);
        continue;
      }
      try {
        call(e);
      } catch (const UserError& err) {
        const auto at = e.fields.find("at");
        const std::string where = t_.path + ":" + std::to_string(e.line);
        throw UserError((at != e.fields.end() && at->is_string()
                             ? at->get<std::string>() + " (" + where + ")"
                             : where) +
                        ": " + err.what());
      }
    }
  }

 private:
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

  View view(const Event& e, const char* key) {
    const json& v = field(t_, e, key, json::value_t::object);
    Event sub{e.line, e.kind + "." + key, v};
    const int64_t id = integer(t_, sub, "tensor");
    const auto it = tensors_.find(id);
    if (it == tensors_.end())
      fail_at(t_.path, e.line, sub.kind + ": tensor " + std::to_string(id) + " is not declared");
    View out;
    out.tensor = it->second;
    const json& block = field(t_, sub, "block", json::value_t::array);
    if (block.size() != out.tensor.block_dims.size())
      fail_at(t_.path, e.line, sub.kind + ": expected " +
                                   std::to_string(out.tensor.block_dims.size()) +
                                   " block indices for '" + out.tensor.name + "'");
    for (const json& b : block) {
      if (!b.is_number_integer()) fail_at(t_.path, e.line, sub.kind + ": block index not integer");
      out.block.emplace_back(b.get<int64_t>());
    }
    out.p0 = integer(t_, sub, "p0");
    out.np = integer(t_, sub, "np");
    out.f0 = integer(t_, sub, "f0");
    out.nf = integer(t_, sub, "nf");
    return out;
  }

  static Engine engine(const std::string& name) {
    for (Engine e : {Engine::tensor, Engine::vector, Engine::scalar, Engine::gpsimd})
      if (name == engine_name(e)) return e;
    throw UserError("unknown engine '" + name + "' (Tensor, Vector, Scalar, GpSimd)");
  }

  void declare(const Event& e) {
    const int64_t id = integer(t_, e, "id");
    const std::string name = text(t_, e, "name");
    const Dtype dtype = parse_dtype(text(t_, e, "dtype"));
    TensorRef ref;
    if (e.kind == "hbm") {
      const std::string role = text(t_, e, "role");
      const int64_t rows = integer(t_, e, "rows"), cols = integer(t_, e, "cols");
      if (role == "input") ref = b_.hbm_input(name, rows, cols, dtype);
      else if (role == "output") ref = b_.hbm_output(name, rows, cols, dtype);
      else if (role == "scratch") ref = b_.hbm_scratch(name, rows, cols, dtype);
      else throw UserError("hbm: expected role 'input', 'output' or 'scratch'");
    } else {
      const std::string memory = text(t_, e, "memory");
      const int64_t partitions = integer(t_, e, "partitions"), free = integer(t_, e, "free");
      const int bufs = static_cast<int>(integer(t_, e, "bufs"));
      std::vector<int64_t> blocks;
      for (const json& d : field(t_, e, "block_dims", json::value_t::array)) {
        if (!d.is_number_integer()) throw UserError("tile: expected integer block_dims");
        blocks.push_back(d.get<int64_t>());
      }
      if (memory == "sbuf") ref = b_.sbuf_tile(name, blocks, partitions, free, dtype, bufs);
      else if (memory == "psum" && blocks.empty())
        ref = b_.psum_tile(name, partitions, free, bufs);
      else throw UserError("tile: expected memory 'sbuf', or 'psum' without block dims");
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
    if (k == "tensor_copy")
      return b_.tensor_copy(view(e, "dst"), view(e, "src"), engine(text(t_, e, "engine")));
    if (k == "tensor_tensor")
      return b_.tensor_tensor(view(e, "dst"), view(e, "a"), view(e, "b"),
                              parse_alu_op(text(t_, e, "op")));
    if (k == "tensor_scalar")
      return b_.tensor_scalar(view(e, "dst"), view(e, "src"), parse_alu_op(text(t_, e, "op")),
                              number(t_, e, "operand"), engine(text(t_, e, "engine")));
    if (k == "activation")
      return b_.activation(view(e, "dst"), view(e, "src"), parse_act_func(text(t_, e, "func")),
                           number(t_, e, "scale"), number(t_, e, "bias"));
    if (k == "memset") return b_.memset(view(e, "dst"), number(t_, e, "value"));
    if (k == "reduce")
      return b_.reduce(view(e, "dst"), view(e, "src"), parse_alu_op(text(t_, e, "op")));
    throw UserError("unknown event '" + k + "' (python/TRACE_FORMAT.md lists the events)");
  }

  const Events& t_;
  Backend& b_;
  std::map<int64_t, TensorRef> tensors_;
};

}  // namespace

TraceKernel TraceKernel::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(path + ": cannot read the trace");
  auto t = std::make_shared<Events>();
  t->path = path;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail_at(path, line_number, "expected one JSON object");
    if (line_number == 1) {
      if (j.value("format", "") != kTraceFormat || j.value("version", -1) != kTraceVersion ||
          !j.contains("kernel") || !j["kernel"].is_string())
        fail_at(path, 1, std::string("expected the header {\"format\": \"") + kTraceFormat +
                             "\", \"version\": " + std::to_string(kTraceVersion) +
                             ", \"kernel\": NAME, ...}");
      t->kernel = j["kernel"].get<std::string>();
      continue;
    }
    const auto kind = j.find("event");
    if (kind == j.end() || !kind->is_string())
      fail_at(path, line_number, "expected a field 'event' (a string)");
    t->events.push_back({line_number, kind->get<std::string>(), std::move(j)});
  }
  if (line_number == 0) fail_at(path, 1, "expected the header line; the file is empty");
  index_loops(*t);
  return TraceKernel(std::move(t));
}

const std::string& TraceKernel::name() const { return events_->kernel; }

void TraceKernel::replay(Backend& backend) const {
  Replayer(*events_, backend).run(0, events_->events.size());
}

}  // namespace trnsim::nki
