#include "rpc/grpc_server.h"

#include <gtest/gtest.h>

#include "rpc/grpc_codes.h"

namespace ans::rpc {
namespace {

TEST(ListenAddress, SplitsHostAndPort) {
  auto v4 = split_listen_address("127.0.0.1:9770");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 9770);
  auto v6 = split_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, "[::1]");
  EXPECT_EQ(v6->second, 0);
  EXPECT_TRUE(split_listen_address("localhost:1"));
}

TEST(ListenAddress, RefusesMalformed) {
  for (const char* bad : {"", "9770", ":9770", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:97x0", "[::1:9770", "[zz]:9770", "host name:1", "a/b:1"}) {
    auto split = split_listen_address(bad);
    ASSERT_FALSE(split) << bad;
    EXPECT_EQ(split.status().code(), Errc::kInvalidArgument) << bad;
    EXPECT_NE(split.status().message().find("host:port"), std::string::npos) << bad;
  }
}

TEST(ListenAddress, Loopback) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "[::1]"}) EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"0.0.0.0", "10.0.0.1", "[::]", "example.org", "128.0.0.1"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(GrpcCodes, EveryErrcHasItsCode) {
  EXPECT_EQ(grpc_code(Errc::kBadChecksum), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(grpc_code(Errc::kTooLarge), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(grpc_code(Errc::kNotFound), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(grpc_code(Errc::kFailedPrecondition), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(grpc_code(Errc::kResourceExhausted), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(grpc_code(Errc::kUnavailable), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(grpc_code(Errc::kDeadlineExceeded), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(grpc_code(Errc::kUnimplemented), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(grpc_code(Errc::kCorruption), grpc::StatusCode::INTERNAL);
  grpc::Status s = to_grpc(Status(Errc::kBadName, "names are lowercase"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("names are lowercase"), std::string::npos);
  EXPECT_EQ(grpc_code_name(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
}

// Starting binds the listeners only: no call reaches the (empty) NodeApi.
TEST(GrpcServer, BindsFreePortsAndRefusesBadOptions) {
  NodeApi api{NodeContext{}};
  Metrics metrics;
  GrpcOptions options;
  options.listen = "127.0.0.1:0";
  options.admin_listen = "127.0.0.1:0";
  auto server = GrpcServer::start(api, metrics, options);
  ASSERT_TRUE(server) << server.status().to_string();
  EXPECT_GT((*server)->port(), 0);
  EXPECT_GT((*server)->admin_port(), 0);
  EXPECT_NE((*server)->port(), (*server)->admin_port());

  GrpcOptions taken = options;
  taken.listen = "127.0.0.1:" + std::to_string((*server)->port());
  auto again = GrpcServer::start(api, metrics, taken);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.status().code(), Errc::kIoError);

  GrpcOptions open_admin = options;
  open_admin.admin_listen = "0.0.0.0:0";
  auto refused = GrpcServer::start(api, metrics, open_admin);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), Errc::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("loopback"), std::string::npos);

  GrpcOptions bad = options;
  bad.listen = "nowhere";
  auto malformed = GrpcServer::start(api, metrics, bad);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.status().code(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace ans::rpc
