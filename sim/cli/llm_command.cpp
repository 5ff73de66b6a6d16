#include "sim/cli/llm_command.h"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/excerpt.h"
#include "common/json_output.h"
#include "sim/cli/text_table.h"
#include "sim/run/llm_model_file.h"
#include "sim/run/llm_run.h"

namespace trnsim::cli {

using run::LlmResult;
using run::LlmVariant;
using run::OperatorTotal;
using run::PhaseTotal;

namespace {

std::string variant_label(const LlmVariant& v) {
  return v.mlp == "dense" ? "dense" : "neuronmm (rank " + std::to_string(v.rank) + ")";
}

// FLOPs per HBM byte, and which side of the roofline's ridge it is on.
double intensity(const OperatorTotal& o) {
  const double bytes = static_cast<double>(o.hbm_read_bytes + o.hbm_write_bytes);
  return bytes > 0 ? static_cast<double>(o.flops) / bytes : 0;
}
const char* roofline_side(const OperatorTotal& o, const LlmResult& r) {
  return intensity(o) < r.peak_flop_per_ns / r.hbm_bytes_per_ns ? "memory" : "compute";
}

void print_phase(const std::string& title, const PhaseTotal& p, const LlmResult& r,
                 std::ostream& out) {
  out << "\n" << title << ": " << formatted("%.3f", p.ns / 1e6) << " ms\n";
  std::vector<std::vector<std::string>> rows = {{"operator", "calls", "ms", "share", "HBM MB",
                                                 "GFLOP", "FLOP/B", "bound by", "roofline"}};
  for (const OperatorTotal& o : p.operators)
    rows.push_back({o.name, std::to_string(o.calls), formatted("%.3f", o.ns / 1e6),
                    formatted("%.1f%%", p.ns > 0 ? 100 * o.ns / p.ns : 0),
                    formatted("%.1f", (o.hbm_read_bytes + o.hbm_write_bytes) / 1e6),
                    formatted("%.2f", o.flops / 1e9), formatted("%.1f", intensity(o)),
                    o.bound_by + formatted(" %.0f%%", 100 * o.busy_share), roofline_side(o, r)});
  print_table(rows, out);
}

void print_text(const LlmResult& r, std::ostream& out) {
  out << r.model << " on " << r.hw << ": batch " << r.batch << ", prompt " << r.prompt
      << " tokens" << (r.padded_prompt != r.prompt
                           ? " (padded to " + std::to_string(r.padded_prompt) + ")"
                           : "")
      << ", " << r.generate << " generated; " << r.simulations << " operator kernels simulated\n";
  std::vector<std::vector<std::string>> rows = {{""}};
  for (const LlmVariant& v : r.variants) rows[0].push_back(variant_label(v));
  auto row = [&](const std::string& name, auto value) {
    rows.push_back({name});
    for (const LlmVariant& v : r.variants) rows.back().push_back(value(v));
  };
  row("time to first token", [&](const LlmVariant& v) {
    return formatted("%.3f ms", v.time_to_first_token_ns() / 1e6);
  });
  row("time per output token", [&](const LlmVariant& v) {
    return formatted("%.3f ms", v.time_per_output_token_ns(r.generate) / 1e6);
  });
  row("decode tokens/s", [&](const LlmVariant& v) {
    return formatted("%.1f", v.decode.ns > 0 ? r.batch * r.generate / (v.decode.ns / 1e9) : 0);
  });
  row("end-to-end latency", [&](const LlmVariant& v) {
    return formatted("%.3f ms", v.end_to_end_ns() / 1e6);
  });
  row("weights", [&](const LlmVariant& v) { return formatted("%.3f GB", v.weight_bytes / 1e9); });
  row("KV cache",
      [&](const LlmVariant& v) { return formatted("%.1f MB", v.kv_cache_bytes / 1e6); });
  print_table(rows, out);
  if (r.variants.size() > 1) {
    const LlmVariant &dense = r.variants[0], &fused = r.variants[1];
    out << "NeuronMM over dense: end to end " << formatted("%.2fx", dense.end_to_end_ns() /
                                                                  fused.end_to_end_ns())
        << ", prefill " << formatted("%.2fx", dense.prefill.ns / fused.prefill.ns) << ", decode "
        << formatted("%.2fx", fused.decode.ns > 0 ? dense.decode.ns / fused.decode.ns : 0) << "\n";
  }
  for (const LlmVariant& v : r.variants) {
    print_phase(variant_label(v) + ", prefill", v.prefill, r, out);
    if (r.generate > 0)
      print_phase(variant_label(v) + ", decode (" + std::to_string(r.generate) + " steps)",
                  v.decode, r, out);
  }
}

nlohmann::json phase_json(const PhaseTotal& p, const LlmResult& r) {
  nlohmann::json ops = nlohmann::json::array();
  for (const OperatorTotal& o : p.operators)
    ops.push_back({{"operator", o.name}, {"calls", o.calls}, {"ns", o.ns},
                   {"share", p.ns > 0 ? o.ns / p.ns : 0}, {"hbm_read_bytes", o.hbm_read_bytes},
                   {"hbm_write_bytes", o.hbm_write_bytes}, {"flops", o.flops},
                   {"flop_per_byte", intensity(o)}, {"bound_by", o.bound_by},
                   {"bound_busy_share", o.busy_share}, {"roofline", roofline_side(o, r)}});
  return {{"ns", p.ns}, {"operators", ops}};
}

nlohmann::json to_json(const LlmResult& r) {
  nlohmann::json variants = nlohmann::json::array();
  for (const LlmVariant& v : r.variants)
    variants.push_back({{"mlp", v.mlp}, {"rank", v.rank},
                        {"time_to_first_token_ns", v.time_to_first_token_ns()},
                        {"time_per_output_token_ns", v.time_per_output_token_ns(r.generate)},
                        {"end_to_end_ns", v.end_to_end_ns()}, {"weight_bytes", v.weight_bytes},
                        {"kv_cache_bytes", v.kv_cache_bytes}, {"prefill", phase_json(v.prefill, r)},
                        {"decode", phase_json(v.decode, r)}});
  nlohmann::json j = {{"model", r.model}, {"hw", r.hw}, {"batch", r.batch},
                      {"prompt", r.prompt}, {"padded_prompt", r.padded_prompt},
                      {"generate", r.generate}, {"simulations", r.simulations},
                      {"peak_flop_per_ns", r.peak_flop_per_ns},
                      {"hbm_bytes_per_ns", r.hbm_bytes_per_ns}, {"variants", variants}};
  if (r.variants.size() > 1)
    j["speedup_end_to_end"] = r.variants[0].end_to_end_ns() / r.variants[1].end_to_end_ns();
  return j;
}

// Chrome trace events: one process per variant, one slice per operator call, back to back.
nlohmann::json timeline(const LlmResult& r) {
  nlohmann::json events = nlohmann::json::array();
  for (size_t v = 0; v < r.variants.size(); ++v) {
    const LlmVariant& variant = r.variants[v];
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", v},
                      {"args", {{"name", variant_label(variant)}}}});
    double at_us = 0;
    for (const auto* phase : {&variant.prefill, &variant.decode})
      for (const PhaseTotal::Call& c : phase->calls) {
        events.push_back({{"name", phase->operators[c.op].name}, {"ph", "X"}, {"pid", v},
                          {"tid", phase == &variant.prefill ? 0 : 1}, {"ts", at_us},
                          {"dur", c.ns / 1e3}});
        at_us += c.ns / 1e3;
      }
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

}  // namespace

CLI::App* add_llm_command(CLI::App& app, LlmCommand& c) {
  auto* cmd = app.add_subcommand(
      "llm", "A whole LLM on one NeuronCore: prefill, then decode; dense against NeuronMM");
  cmd->add_option("--model", c.model, "A bundled model (Llama-3.2-1B, ...) or a model YAML")
      ->required();
  cmd->add_option("--prompt", c.prompt, "Prompt tokens per sequence")->capture_default_str();
  cmd->add_option("--generate", c.generate, "Tokens generated per sequence")
      ->capture_default_str();
  cmd->add_option("--batch", c.batch, "Sequences")->capture_default_str();
  cmd->add_option("--ratio", c.ratio,
                  "Also NeuronMM's MLP on SVD factors with this fraction of parameters removed "
                  "(or none)")
      ->capture_default_str();
  cmd->add_flag("--json", c.json, "Print one JSON object");
  cmd->add_option("--trace", c.trace_path, "Write a Perfetto timeline of the operator calls");
  add_machine_options(*cmd, c.machine);
  add_limit_options(*cmd, c.limits);
  return cmd;
}

void run_llm_command(const LlmCommand& c) {
  run::LlmRequest request;
  try {
    request.model = run::load_llm_model(c.model);
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  request.hw = load_machine(c.machine);
  request.prompt = c.prompt;
  request.generate = c.generate;
  request.batch = c.batch;
  request.budget = c.limits.resolved();
  if (c.ratio != "none") {
    size_t used = 0;
    double ratio = -1;
    try {
      ratio = std::stod(c.ratio, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != c.ratio.size() || !(ratio > 0 && ratio < 1))
      throw UsageError("--ratio: expected a fraction of parameters removed in (0, 1), or none; "
                       "got '" + excerpt(c.ratio) + "'");
    request.ratio = ratio;
  }
  const LlmResult result = run::run_llm(request);
  std::unique_ptr<AtomicFile> trace;
  if (!c.trace_path.empty()) {
    trace = std::make_unique<AtomicFile>(c.trace_path);
    trace->out() << json_line(timeline(result)) << "\n";
    trace->close();
  }
  if (c.json)
    std::cout << json_line(to_json(result)) << "\n";
  else
    print_text(result, std::cout);
  if (trace) trace->rename_into_place();
}

}  // namespace trnsim::cli
