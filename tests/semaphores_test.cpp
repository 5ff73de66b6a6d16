// model::Semaphores on its own, driven by two SystemC threads in a fresh context: a waiter
// sleeps until the count it needs is published and the completion time has come; completion
// times never go backwards within a stream; a stuck stream is named with what it waits for.
#include <gtest/gtest.h>

#include <systemc>

#include "sim/model/fresh_sim_context.h"
#include "sim/model/semaphores.h"
#include "tests/program_builder.h"

namespace trnsim {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using model::Semaphores;

const isa::Stream kVector = isa::compute_stream(Engine::vector);
const isa::Stream kScalar = isa::compute_stream(Engine::scalar);

// A program with `vector` instructions on Vector and `scalar` on Scalar (contents unused).
isa::Program program(size_t vector, size_t scalar) {
  isa::Program p;
  p.name = "semaphores";
  p.stream(kVector).resize(vector);
  p.stream(kScalar).resize(scalar);
  return p;
}

// Runs `producer` and `consumer` as SC_THREADs of one module.
struct Threads : sc_core::sc_module {
  SC_HAS_PROCESS(Threads);
  Threads(std::function<void()> producer, std::function<void()> consumer)
      : sc_module("threads"), producer_(std::move(producer)), consumer_(std::move(consumer)) {
    SC_THREAD(run_producer);
    SC_THREAD(run_consumer);
  }
  void run_producer() { producer_(); }
  void run_consumer() { consumer_(); }
  std::function<void()> producer_, consumer_;
};

void simulate(const std::function<void()>& producer, const std::function<void()>& consumer) {
  Threads threads(producer, consumer);
  sc_core::sc_start();
}

TEST(SemaphoreTest, AWaiterWakesWhenTheCountIsReachedAndItsTimeHasCome) {
  // Vector publishes its first completion at t=10 ns for t=30 ns (a result visible later);
  // Scalar waits for Vector >= 1 from t=0 and resumes at 30 ns, not at 10.
  const isa::Program p = program(1, 1);
  model::FreshSimContext context;  // before Semaphores: its events belong to the context
  Semaphores sem(p);
  double woke_ns = -1;
  simulate(
      [&] {
        sc_core::wait(10, SC_NS);
        sem.complete(kVector, sc_time(30, SC_NS));
      },
      [&] {
        sem.wait_for(kScalar, {kVector, 1});
        woke_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
        sem.complete(kScalar, sc_core::sc_time_stamp());
      });
  EXPECT_DOUBLE_EQ(woke_ns, 30.0);
  EXPECT_EQ(sem.describe_deadlock(p), "");
}

TEST(SemaphoreTest, CompletionTimesNeverGoBackwards) {
  // A second completion asked for at 20 ns, after one at 50 ns, is published at 50 ns.
  const isa::Program p = program(2, 0);
  model::FreshSimContext context;  // before Semaphores: its events belong to the context
  Semaphores sem(p);
  sc_time first, second;
  simulate(
      [&] {
        first = sem.complete(kVector, sc_time(50, SC_NS));
        second = sem.complete(kVector, sc_time(20, SC_NS));
      },
      [] {});
  EXPECT_EQ(first, sc_time(50, SC_NS));
  EXPECT_EQ(second, sc_time(50, SC_NS));
  EXPECT_EQ(sem.completion_time(kVector, 1), sc_time(50, SC_NS));
}

TEST(SemaphoreTest, ADeadlockNamesTheStuckStreamAndWhatItWaitsFor) {
  // Scalar waits for Vector >= 2, but Vector only ever completes one instruction.
  const isa::Program p = program(2, 1);
  model::FreshSimContext context;  // before Semaphores: its events belong to the context
  Semaphores sem(p);
  simulate([&] { sem.complete(kVector, sc_time(5, SC_NS)); },
           [&] { sem.wait_for(kScalar, {kVector, 2}); });
  EXPECT_EQ(sem.describe_deadlock(p), "Vector[1]; Scalar[0] waits for Vector >= 2 (it has 1)");
}

}  // namespace
}  // namespace trnsim
