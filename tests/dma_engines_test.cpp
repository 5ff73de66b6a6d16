// The DMA engines' machinery (sim/model/dma.h): the winner tree that finds the next engine
// event, the simple HBM model timing a request the same whether it comes as bursts or as one
// payload, and running ahead of SystemC time giving the same times as running in lockstep.
#include <gtest/gtest.h>

#include <set>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "sim/model/earliest_of.h"
#include "sim/model/fresh_sim_context.h"
#include "sim/model/hbm.h"
#include "sim/model/hbm_simple.h"
#include "sim/run/kernel_run.h"
#include "tests/kernel_cases.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

TEST(EarliestOf, FindsTheEarliestAndBreaksTiesByLowestIndex) {
  const sc_time never = sc_core::sc_max_time();
  model::EarliestOf e(5, never);  // 5 leaves in a tree of 8
  EXPECT_EQ(e.earliest_time(), never);
  EXPECT_EQ(e.earliest(), 0u);  // all equal: the lowest index
  e.set(3, sc_time(30, SC_NS));
  e.set(4, sc_time(20, SC_NS));
  EXPECT_EQ(e.earliest(), 4u);
  e.set(1, sc_time(20, SC_NS));  // a tie with 4: 1 wins
  EXPECT_EQ(e.earliest(), 1u);
  e.set(1, never);  // 1 moves later: 4 again
  EXPECT_EQ(e.earliest(), 4u);
  EXPECT_EQ(e.earliest_time(), sc_time(20, SC_NS));
  e.set(4, sc_time(40, SC_NS));
  EXPECT_EQ(e.earliest(), 3u);
  EXPECT_EQ(e.time(4), sc_time(40, SC_NS));
}

// Sends requests to a SimpleHbm from one SC_THREAD and keeps each completion (as a delay from
// time 0, when all are sent).
struct Sender : sc_core::sc_module {
  SC_HAS_PROCESS(Sender);
  tlm_utils::simple_initiator_socket<Sender> socket;
  std::vector<std::vector<unsigned>> requests;  // each a list of payload lengths
  std::vector<sc_time> completions;

  explicit Sender(const sc_core::sc_module_name& name) : sc_module(name), socket("socket") {
    SC_THREAD(run);
  }
  void run() {
    model::DmaBurstExtension burst;
    tlm::tlm_generic_payload payload;
    std::vector<unsigned char> data(1 << 16);
    payload.set_data_ptr(data.data());
    payload.set_extension(&burst);
    payload.set_command(tlm::TLM_READ_COMMAND);
    for (const auto& lengths : requests) {
      sc_time done = sc_core::SC_ZERO_TIME;
      burst.starts_request = true;
      for (unsigned n : lengths) {
        payload.set_data_length(n);
        payload.set_streaming_width(n);
        sc_time delay = sc_core::SC_ZERO_TIME;
        socket->b_transport(payload, delay);
        burst.starts_request = false;
        done = std::max(done, delay);
      }
      completions.push_back(done);
    }
    payload.clear_extension(&burst);
  }
};

std::vector<sc_time> simple_hbm_completions(std::vector<std::vector<unsigned>> requests) {
  // hbm-small's simple model: 2 B/ns x 0.5 = 1 B/ns.
  const HwConfig cfg = load_hw_config(testing::fixture_path("hbm-small.yaml"));
  model::FreshSimContext context;
  model::SimpleHbm hbm("HBM", cfg.hbm);
  Sender sender("sender");
  sender.requests = std::move(requests);
  sender.socket.bind(hbm.socket);
  sc_core::sc_start();
  return sender.completions;
}

TEST(SimpleHbm, TimesARequestTheSameAsBurstsOrAsOnePayload) {
  // At 1 B/ns, 8192 B take 8192 ns from the request's start however they are cut: 128 bursts
  // of 64 B, 2 of 4096 B or one payload. A second request queues behind the first: it starts
  // at 8192 ns and its 1000 B end at 9192 ns.
  const std::vector<unsigned> bursts(128, 64);
  for (const std::vector<unsigned>& first : {bursts, {4096u, 4096u}, {8192u}}) {
    const auto done = simple_hbm_completions({first, {1000u}});
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[0], sc_time(8192, SC_NS));
    EXPECT_EQ(done[1], sc_time(9192, SC_NS));
  }
  EXPECT_FALSE(model::SimpleHbm("HBM", HwConfig{}.hbm).wants_bursts());
}

TEST(DmaEngines, RunningAheadGivesTheTimesOfRunningInLockstep) {
  // With numerics on, the DMA engines serve only the events of the current time (the copies
  // must happen when they are simulated); timing only, they serve every event before now +
  // setup latency at once. Both must give the same simulated time, to the picosecond, for
  // every registered kernel at a small shape, on trn1 and on the interleaved memory model.
  std::set<std::string> covered;
  for (const testing::KernelCase& c : testing::kernel_cases()) {
    if (!covered.insert(c.kernel).second) continue;
    for (const char* memory : {"simple", "interleaved"}) {
      run::KernelRunRequest request;
      request.kernel = c.kernel;
      request.hw = testing::trn1();
      apply_overrides(request.hw, {std::string("hbm.model=") + memory});
      request.shape = c.shape;
      request.params = c.params;
      const double ahead = run::run_kernel(request).run.sim_time_ns;
      request.numerics = true;
      const double lockstep = run::run_kernel(request).run.sim_time_ns;
      EXPECT_EQ(ahead, lockstep) << c.kernel << " on " << memory;
    }
  }
}

}  // namespace
}  // namespace trnsim
