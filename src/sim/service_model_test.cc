#include "sim/service_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace forescale::sim {
namespace {

using ::testing::HasSubstr;

TEST(ServiceModel, ReadsTheDocumentedExample) {
  auto model = LoadServiceModel(std::string(FORESCALE_SOURCE_DIR) + "/examples/service.yaml");
  ASSERT_TRUE(model) << model.error().message();
  ASSERT_EQ(model->resources.size(), 1u);
  const ResourceModel& r = model->resources[0];
  EXPECT_EQ(r.capacity_rps, 50);
  EXPECT_DOUBLE_EQ(r.target_utilisation, 0.6);
  EXPECT_EQ(r.startup_delay, std::chrono::minutes(2));  // 30s + 70s + 20s
  EXPECT_EQ(r.min_replicas, 1);
  EXPECT_EQ(r.max_replicas, 200);
  EXPECT_EQ(model->slo_p95_latency, std::chrono::milliseconds(500));
  // The example's promise: 200 replicas serve 5,000 rps at the target.
  EXPECT_LE(ReplicasFor(r, 5000), 200);
}

TEST(ServiceModel, CpuSecondsPerRequestIsTheInverseOfCapacity) {
  auto model = ParseServiceModel("cpu_seconds_per_request: 0.04\n", "s.yaml");
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_DOUBLE_EQ(model->resources[0].capacity_rps, 25);
}

TEST(ServiceModel, ReadsSeveralResourcesInOrder) {
  auto model = ParseServiceModel(
      "name: shop\n"
      "resources:\n"
      "  - {name: app, capacity_rps: 50, startup: {delay: 2m}}\n"
      "  - {name: db, capacity_rps: 400, demand_per_request: 3, startup: 10s,\n"
      "     replicas: {min: 4, max: 64}}\n",
      "shop.yaml");
  ASSERT_TRUE(model) << model.error().message();
  ASSERT_EQ(model->resources.size(), 2u);
  EXPECT_EQ(model->resources[1].name, "db");
  EXPECT_EQ(model->resources[1].demand_per_request, 3);
  EXPECT_EQ(model->resources[1].startup_delay, std::chrono::seconds(10));
  EXPECT_EQ(model->resources[1].min_replicas, 4);
}

struct BadCase {
  const char* yaml;
  const char* message;
};

class ServiceModelBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(ServiceModelBadInput, NamesTheFileLineAndKey) {
  auto model = ParseServiceModel(GetParam().yaml, "svc.yaml");
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(model.error().message(), HasSubstr("svc.yaml:"));
  EXPECT_THAT(model.error().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Impossible, ServiceModelBadInput,
    ::testing::Values(
        BadCase{"capacity_rps: 50\nreplicas: {min: 5, max: 2}\n",
                "svc.yaml:2: replicas.max: must be >= replicas.min (5)"},
        BadCase{"capacity_rps: 0\n", "svc.yaml:1: capacity_rps: must be > 0"},
        BadCase{"capacity_rps: 50\nstartup: {delay: -2m}\n", "startup.delay"},
        BadCase{"capacity_rps: 50\ncapacity: 3\n", "svc.yaml:2: capacity: unknown key"},
        BadCase{"capacity_rps: 50\nstartup: {dealy: 2m}\n", "startup.dealy: unknown key"},
        BadCase{"{}\n", "capacity_rps: give exactly one of"},
        BadCase{"capacity_rps: 50\ncpu_seconds_per_request: 0.02\n", "give exactly one of"},
        BadCase{"capacity_rps: fifty\n", "capacity_rps: expected a number, got 'fifty'"},
        BadCase{"capacity_rps: 50\ntarget_utilisation: 150%\n", "target_utilisation: must be at most 100%"},
        BadCase{"capacity_rps: 50\nstartup: 2\n", "startup"},
        BadCase{"capacity_rps: [50\n", "svc.yaml:"},
        BadCase{"resources: []\n", "resources: expected a non-empty list"},
        BadCase{"resources:\n  - {name: a, capacity_rps: 5}\n  - {name: a, capacity_rps: 5}\n",
                "duplicate resource name 'a'"},
        BadCase{"capacity_rps: 50\nmonitoring: {interval: 0s}\n", "monitoring.interval: must be > 0"}));

TEST(ServiceModel, MissingFileIsNotFound) {
  auto model = LoadServiceModel("/nonexistent/service.yaml");
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(model.error().message(), HasSubstr("/nonexistent/service.yaml"));
}

TEST(ServiceModel, ReplicasForRoundsUpAndRespectsBounds) {
  ResourceModel r{.capacity_rps = 50, .target_utilisation = 0.5, .min_replicas = 2, .max_replicas = 10};
  EXPECT_EQ(ReplicasFor(r, 0), 2);
  EXPECT_EQ(ReplicasFor(r, 100), 4);    // exactly 4 x 25
  EXPECT_EQ(ReplicasFor(r, 101), 5);
  EXPECT_EQ(ReplicasFor(r, 10000), 10);
}

}  // namespace
}  // namespace forescale::sim
