#include "backend/remote/endpoint_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace qualm::remote {
namespace {

using Outcome = EndpointPool::Outcome;

TEST(EndpointPool, LeastBusyFirstTiesByOrder) {
  EndpointPool pool(3, 2);
  const std::vector<bool> none;
  EXPECT_EQ(pool.acquire(none), 0u);
  EXPECT_EQ(pool.acquire(none), 1u);
  EXPECT_EQ(pool.acquire(none), 2u);
  EXPECT_EQ(pool.acquire(none), 0u);
  pool.release(1, Outcome::kServed);
  EXPECT_EQ(pool.acquire(none), 1u);  // 1 has the fewest in flight again
  EXPECT_EQ(pool.acquire(none), 1u);
  EXPECT_EQ(pool.acquire(none), 2u);
}

TEST(EndpointPool, SkipsTriedAndEndsWhenEveryOneWasTried) {
  EndpointPool pool(2, 4);
  EXPECT_EQ(pool.acquire({true, false}), 1u);
  EXPECT_EQ(pool.acquire({true, true}), std::nullopt);
}

TEST(EndpointPool, AFailedEndpointRestsWhileAnotherCanServe) {
  EndpointPool pool(2, 4);
  const std::vector<bool> none;
  ASSERT_EQ(pool.acquire(none), 0u);
  pool.release(0, Outcome::kFailed, 0.2);
  EXPECT_EQ(pool.acquire(none), 1u);
  EXPECT_EQ(pool.acquire(none), 1u);  // 0 is less busy but resting
  // Every endpoint left rests: the resting one is tried rather than none.
  EXPECT_EQ(pool.acquire({false, true}), 0u);
  pool.release(0, Outcome::kFailed, 0.2);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(pool.acquire(none), 0u);  // awake again, and the least busy
  const auto counts = pool.counts();
  EXPECT_EQ(counts[0].failed, 2);
  EXPECT_EQ(counts[0].served, 0);
}

TEST(EndpointPool, WaitsForAFreeSlotAndCounts) {
  EndpointPool pool(2, 1);
  const std::vector<bool> none;
  ASSERT_EQ(pool.acquire(none), 0u);
  ASSERT_EQ(pool.acquire(none), 1u);
  auto waiting = std::async(std::launch::async, [&] { return pool.acquire(none); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  pool.release(1, Outcome::kServed);
  EXPECT_EQ(waiting.get(), 1u);
  pool.release(0, Outcome::kRefused);
  const auto counts = pool.counts();
  EXPECT_EQ(counts[0].refused, 1);
  EXPECT_EQ(counts[1].served, 1);
}

}  // namespace
}  // namespace qualm::remote
