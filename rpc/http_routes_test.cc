#include "rpc/http_routes.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rpc/explorer_assets.h"
#include "rpc/http_test_support.h"

namespace ans::rpc {
namespace {

std::string header(const HttpReply& reply, std::string_view name) {
  for (const auto& [k, v] : reply.headers) {
    if (k == name) return v;
  }
  return "";
}

class HttpRoutes : public ::testing::Test {
 protected:
  HttpReply get(std::string_view target) { return router.handle("GET", target, ""); }
  // The error body's fields, checked for shape.
  nlohmann::json error_of(const HttpReply& reply) {
    EXPECT_EQ(reply.content_type, "application/json");
    auto body = nlohmann::json::parse(reply.body);
    EXPECT_EQ(body["error"]["http_status"], reply.status);
    EXPECT_TRUE(body["error"]["code"].is_string());
    EXPECT_TRUE(body["error"]["message"].is_string());
    return body["error"];
  }
  UnstartedNode node;
  HttpRouter router{*node.api, node.metrics};
};

TEST(HttpStatus, ErrcMapping) {
  EXPECT_EQ(http_status(Errc::kInvalidArgument), 400u);
  EXPECT_EQ(http_status(Errc::kBadLength), 400u);
  EXPECT_EQ(http_status(Errc::kBadChecksum), 400u);
  EXPECT_EQ(http_status(Errc::kBadName), 400u);
  EXPECT_EQ(http_status(Errc::kNonCanonical), 400u);
  EXPECT_EQ(http_status(Errc::kNotFound), 404u);
  EXPECT_EQ(http_status(Errc::kFailedPrecondition), 409u);
  EXPECT_EQ(http_status(Errc::kTooLarge), 413u);
  EXPECT_EQ(http_status(Errc::kResourceExhausted), 429u);
  EXPECT_EQ(http_status(Errc::kUnimplemented), 501u);
  EXPECT_EQ(http_status(Errc::kUnavailable), 503u);
  EXPECT_EQ(http_status(Errc::kDeadlineExceeded), 504u);
  EXPECT_EQ(http_status(Errc::kIoError), 500u);
  EXPECT_EQ(http_status(Errc::kCorruption), 500u);
  EXPECT_EQ(error_code(Errc::kNotFound), "NOT_FOUND");
  EXPECT_EQ(error_code(Errc::kBadLength), "INVALID_ARGUMENT");
  EXPECT_EQ(error_code(Errc::kCorruption), "INTERNAL");
}

TEST_F(HttpRoutes, UnknownPathIs404WithTheErrorBody) {
  for (const char* target : {"/nope", "/v1", "/v1/names", "/v1/names/a/b/c", "/v1/info/", "/v2/info"}) {
    HttpReply r = get(target);
    EXPECT_EQ(r.status, 404u) << target;
    EXPECT_EQ(r.route, "unmatched") << target;
    EXPECT_EQ(error_of(r)["code"], "NOT_FOUND") << target;
  }
}

TEST_F(HttpRoutes, MalformedTargetsAre400) {
  for (const char* target : {"/v1/names/%zz", "/v1//info", "/v1/info?a=1&a=2", "*"}) {
    HttpReply r = get(target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(error_of(r)["code"], "INVALID_ARGUMENT") << target;
  }
}

TEST_F(HttpRoutes, WrongMethodIs405WithAllow) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    HttpReply r = router.handle(method, "/v1/names/alice", "");
    EXPECT_EQ(r.status, 405u) << method;
    EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
    EXPECT_EQ(r.route, "/v1/names/{name}");
    EXPECT_EQ(error_of(r)["code"], "METHOD_NOT_ALLOWED");
  }
  EXPECT_EQ(header(router.handle("PUT", "/v1/ans", ""), "Allow"), "GET, HEAD, POST");
  EXPECT_EQ(router.handle("POST", "/", "").status, 405u);
  EXPECT_EQ(router.handle("DELETE", "/metrics", "").status, 405u);
}

TEST_F(HttpRoutes, StrictParametersNameThemselves) {
  struct Case {
    const char* target;
    const char* names;
  } cases[] = {
      {"/v1/names/alice/check?years=two", "'years'"},
      {"/v1/names/alice/check?years=-1", "'years'"},
      {"/v1/names/alice/check?years=99999999999", "'years'"},
      {"/v1/names/alice/proof?height=1.5", "'height'"},
      {"/v1/names/alice?read_at=yesterday", "'read_at'"},
      {"/v1/names/alice?color=red", "'color'"},
      {"/v1/info?verbose=1", "'verbose'"},
      {"/v1/providers?active=maybe", "'active'"},
      {"/v1/providers?page_size=ten", "'page_size'"},
      {"/v1/owners/0x0000000000000000000000000000000000000000/names?page_size=", "'page_size'"},
      {"/v1/blocks/12?include_raw=please", "'include_raw'"},
      {"/v1/blocks/99999999999999999999", "'height'"},
      {"/v1/blocks/12ab", "a height"},
      {"/v1/blocks/-1", "a height"},
      {"/v1/ans", "'names'"},
      {"/v1/ans?names=a&x=1", "'x'"},
  };
  for (const Case& c : cases) {
    HttpReply r = get(c.target);
    EXPECT_EQ(r.status, 400u) << c.target;
    const std::string message = error_of(r)["message"];
    EXPECT_NE(message.find(c.names), std::string::npos) << c.target << ": " << message;
  }
}

TEST_F(HttpRoutes, PostAnsBodyMustBeAnAnsCommand) {
  for (const char* body : {"", "not json", "[]", "{\"names\": 5}", "{\"command\": \"other\", \"names\": \"a\"}",
                           "{\"names\": [\"a\"]}"}) {
    HttpReply r = router.handle("POST", "/v1/ans", body);
    EXPECT_EQ(r.status, 400u) << body;
    error_of(r);
  }
}

TEST_F(HttpRoutes, ANodeWithNoStateYetIs503) {
  for (const char* target : {"/v1/names/alice", "/v1/names/alice/check?years=2", "/v1/stations", "/v1/ans?names=a+b",
                             "/v1/stations.json"}) {
    HttpReply r = get(target);
    EXPECT_EQ(r.status, 503u) << target << " " << r.body;
    EXPECT_EQ(error_of(r)["code"], "UNAVAILABLE") << target;
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*") << target;
  }
}

TEST_F(HttpRoutes, OptionsAnswersCorsPreflight) {
  HttpReply r = router.handle("OPTIONS", "/v1/ans", "");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(r, "Access-Control-Allow-Methods"), "GET, HEAD, POST, OPTIONS");
}

TEST_F(HttpRoutes, MetricsAreTextFormat) {
  HttpReply r = get("/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("ans_head_height 0\n"), std::string::npos);
}

TEST_F(HttpRoutes, ExplorerFilesAreEmbedded) {
  ASSERT_EQ(explorer_assets().size(), 3u);
  struct Case {
    const char* path;
    const char* type;
    const char* contains;
  } cases[] = {{"/", "text/html; charset=utf-8", "<script src=\"/app.js\">"},
               {"/app.js", "text/javascript; charset=utf-8", "/v1/info"},
               {"/style.css", "text/css; charset=utf-8", ":root"}};
  for (const Case& c : cases) {
    HttpReply r = get(c.path);
    EXPECT_EQ(r.status, 200u) << c.path;
    EXPECT_EQ(r.content_type, c.type) << c.path;
    EXPECT_NE(r.body.find(c.contains), std::string::npos) << c.path;
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    const std::string etag = header(r, "ETag");
    ASSERT_EQ(etag.size(), 18u) << etag;
    HttpReply again = router.handle("GET", c.path, "", etag);
    EXPECT_EQ(again.status, 304u);
    EXPECT_TRUE(again.body.empty());
  }
}

}  // namespace
}  // namespace ans::rpc
