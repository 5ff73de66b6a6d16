#include "sim/trace/pe_frames_json.h"

#include <nlohmann/json.hpp>

namespace trnsim::trace {
namespace {

using nlohmann::json;

json moving(const model::MovingValue& v) {
  if (!v.tag.valid()) return nullptr;
  return json::array({v.tag.job, v.tag.n, v.value, v.bank});
}

json partial(const model::PartialSum& p) {
  if (!p.tag.valid()) return nullptr;
  return json::array({p.tag.job, p.tag.n, p.value, p.terms});
}

json frame_json(const model::PeFrame& f, int rows, int columns) {
  json pes = json::array(), skew = json::array(), written = json::array();
  for (int r = 0; r < rows; ++r) {
    json row = json::array();
    for (int c = 0; c < columns; ++c) {
      const model::ProcessingElement& pe = f.pes[static_cast<size_t>(r) * columns + c];
      row.push_back({{"w", {pe.weight[0], pe.weight[1]}},
                     {"x", moving(pe.moving)},
                     {"p", partial(pe.partial)}});
    }
    pes.push_back(std::move(row));
    json line = json::array();
    const size_t line_start = static_cast<size_t>(r) * (r - 1) / 2;
    for (int s = 0; s < r; ++s) line.push_back(moving(f.skew[line_start + s]));
    skew.push_back(std::move(line));
  }
  for (const model::FinishedOutput& o : f.written)
    written.push_back({o.column, o.sum.tag.job, o.sum.tag.n, o.sum.value});
  json loading = nullptr;
  if (f.loading_job >= 0)
    loading = json::array({f.loading_job, f.loaded_columns_begin, f.loaded_columns_end});
  return {{"cycle", f.cycle}, {"pes", pes}, {"skew", skew}, {"written", written},
          {"loading", loading}};
}

}  // namespace

void write_pe_frames_json(std::ostream& out, const model::PeFrameLog& log) {
  json matmuls = json::array(), frames = json::array();
  for (const model::PeMatmulRecord& m : log.matmuls)
    matmuls.push_back({{"job", m.job}, {"instruction", m.instruction}, {"k", m.k}, {"m", m.m},
                       {"n", m.n}, {"bank", m.bank}, {"loaded", m.loaded},
                       {"feed_start_cycle", m.feed_start_cycle}, {"done_cycle", m.done_cycle}});
  for (const model::PeFrame& f : log.frames) frames.push_back(frame_json(f, log.rows, log.columns));
  out << json{{"rows", log.rows}, {"columns", log.columns}, {"clock_ghz", log.clock_ghz},
              {"matmuls", matmuls}, {"frames", frames}}
             .dump()
      << "\n";
}

}  // namespace trnsim::trace
