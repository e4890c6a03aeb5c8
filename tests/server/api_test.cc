// The API of SPEC §6, called in-process: every endpoint's shape and status, auth, ETag /
// If-Match, idempotency and back-fill. (Over real HTTP: tests/server/http_e2e_test.cc.)
#include "server/api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_test_support.h"
#include "domain/hex.h"
#include "store/merkle.h"
#include "store/tree_head.h"

namespace gaplog {
namespace {

using testing::ApiFixture;
using testing::num;
using testing::Reply;
using testing::str;

class Api : public ApiFixture {};

TEST_F(Api, HealthzIsOpenAndReportsTheTreeSize) {
  Reply r = call("", "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(str(r["status"]), "ok");
  EXPECT_EQ(num(r["tree_size"]), static_cast<int64_t>(tree_size()));
}

TEST_F(Api, EveryApiRouteNeedsAToken) {
  for (const char* target : {"/api/v1/criteria", "/api/v1/findings", "/api/v1/nope", "/api/v1/readiness"}) {
    Reply r = call("", "GET", target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(r.error_code(), "unauthenticated");
    EXPECT_THAT(r.error_message(), ::testing::HasSubstr("Bearer"));
  }
  EXPECT_EQ(call("gaplog_" + std::string(64, '0'), "GET", "/api/v1/criteria").status, 401);
  ApiRequest basic{"GET", "/api/v1/criteria", {{"Authorization", "Basic YWRtaW46YWRtaW4="}}, ""};
  EXPECT_EQ(send(basic).status, 401);
}

TEST_F(Api, CriteriaListsTheCatalog) {
  Reply r = call(kAuditor, "GET", "/api/v1/criteria");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r["items"].items().size(), 61u);
  EXPECT_EQ(str(*r["items"].items()[0].find("id")), "CC1.1");
}

TEST_F(Api, UnknownEndpointIs404AndWrongMethodIs405) {
  EXPECT_EQ(call(kAdmin, "GET", "/api/v1/nothing").status, 404);
  Reply r = call(kAdmin, "DELETE", "/api/v1/findings");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow").value_or(""), "POST, GET");
}

}  // namespace
}  // namespace gaplog
