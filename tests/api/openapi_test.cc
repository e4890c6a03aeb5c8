// The OpenAPI document (SPEC §15, api/openapi.yaml) against the server it describes: it parses,
// it describes every route of the route table and nothing else under /api/v1/, and the server
// serves exactly the generated document, openly, with an ETag that a client can revalidate.
// The contract test (tests/openapi/check_contract.mjs) checks the answers against its schemas.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "../support/api_test_support.h"
#include "api/routes.h"
#include "codec/json.h"

namespace gaplog {
namespace {

using testing::Reply;

using Operation = std::pair<std::string, std::string>;  // {"GET", "/api/v1/findings/{}"}

// "/api/v1/users/{email}/role" -> "/api/v1/users/{}/role": the table writes every parameter {}.
std::string table_form(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    const size_t close = path.find('}', i);
    EXPECT_NE(close, std::string::npos) << path;
    out += "{}";
    i = close;
  }
  return out;
}

json::Value parsed_document() {
  Result<json::Value> doc = json::parse(openapi_document());
  EXPECT_TRUE(doc) << doc.status().message();
  return doc ? std::move(*doc) : json::Value();
}

// Every method and path under /api/v1/ the document describes.
std::set<Operation> documented_api_operations() {
  std::set<Operation> out;
  const json::Value doc = parsed_document();
  const json::Value* paths = doc.find("paths");
  if (paths == nullptr || !paths->is_object()) return out;
  for (const auto& [path, item] : paths->members()) {
    if (!path.starts_with("/api/v1/")) continue;
    for (const auto& [key, operation] : item.members()) {
      if (key == "parameters") continue;
      std::string method = key;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert({method, table_form(path)});
    }
  }
  return out;
}

std::set<Operation> routed_operations() {
  std::set<Operation> out;
  const RouteTable table;
  for (const RouteTable::Signature& s : table.signatures())
    out.insert({std::string(s.method), "/api/v1/" + std::string(s.path)});
  return out;
}

TEST(OpenApiDocument, IsOpenApi31WithTheSharedErrorShapeAndBothSecuritySchemes) {
  const json::Value doc = parsed_document();
  EXPECT_EQ(testing::str(testing::field(doc, "openapi")), "3.1.0");
  const json::Value& components = testing::field(doc, "components");
  EXPECT_TRUE(testing::field(testing::field(components, "schemas"), "Error").is_object());
  const json::Value& schemes = testing::field(components, "securitySchemes");
  EXPECT_EQ(testing::str(testing::field(testing::field(schemes, "bearerToken"), "scheme")),
            "bearer");
  const json::Value& cookie = testing::field(schemes, "sessionCookie");
  EXPECT_EQ(testing::str(testing::field(cookie, "in")), "cookie");
  EXPECT_EQ(testing::str(testing::field(cookie, "name")), "gaplog_session");
}

TEST(OpenApiDocument, DescribesEveryRouteOfTheTable) {
  const std::set<Operation> documented = documented_api_operations();
  for (const Operation& route : routed_operations()) {
    EXPECT_TRUE(documented.contains(route))
        << route.first << " " << route.second << " is a route but not in api/openapi.yaml";
  }
}

TEST(OpenApiDocument, InventsNoEndpoint) {
  const std::set<Operation> routed = routed_operations();
  for (const Operation& op : documented_api_operations()) {
    EXPECT_TRUE(routed.contains(op))
        << op.first << " " << op.second << " is in api/openapi.yaml but not a route";
  }
}

TEST(OpenApiDocument, TheCompiledDocumentIsTheGeneratedFile) {
  std::ifstream in(GAPLOG_OPENAPI_JSON, std::ios::binary);
  ASSERT_TRUE(in) << GAPLOG_OPENAPI_JSON;
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(file.str(), openapi_document());
}

class OpenApiServed : public testing::ApiFixture {};

TEST_F(OpenApiServed, IsOpenAndIsTheDocument) {
  const Reply r = call("", "GET", "/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  EXPECT_EQ(r.body, openapi_document());
  EXPECT_EQ(call(kAuditor, "GET", "/api/v1/openapi.json").body, r.body);
}

TEST_F(OpenApiServed, RevalidatesWithItsEtag) {
  const Reply r = call("", "GET", "/api/v1/openapi.json");
  const std::optional<std::string> etag = r.header("ETag");
  ASSERT_TRUE(etag);
  EXPECT_EQ(etag->size(), 66u) << *etag;  // the quoted SHA-256, in hex
  const Reply again = call("", "GET", "/api/v1/openapi.json", "", {{"If-None-Match", *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  const Reply stale = call("", "GET", "/api/v1/openapi.json", "", {{"If-None-Match", "\"x\""}});
  EXPECT_EQ(stale.status, 200);
}

TEST_F(OpenApiServed, OtherMethodsAre405) {
  const Reply r = call("", "POST", "/api/v1/openapi.json", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  EXPECT_EQ(r.error_code(), "method_not_allowed");
}

}  // namespace
}  // namespace gaplog
