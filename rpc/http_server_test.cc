#include "rpc/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "rpc/http_test_support.h"

namespace ans::rpc {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

uint16_t port_of(const HttpServer& server) {
  const std::string address = server.address();
  return static_cast<uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

tcp::socket connect(asio::io_context& io, uint16_t port) {
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  return socket;
}

std::string read_all(tcp::socket& socket) {
  std::string out;
  boost::system::error_code ec;
  char buffer[4096];
  for (;;) {
    const size_t n = socket.read_some(asio::buffer(buffer), ec);
    out.append(buffer, n);
    if (ec) break;
  }
  return out;
}

// Sends `raw`, ends the sending side, and returns everything the server sent until it closed.
std::string send_raw(uint16_t port, std::string_view raw) {
  asio::io_context io;
  tcp::socket socket = connect(io, port);
  boost::system::error_code ec;  // the server may have answered and closed already
  asio::write(socket, asio::buffer(raw), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  return read_all(socket);
}

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpOptions options;
    options.listen = "127.0.0.1:0";
    options.max_request_bytes = 4096;
    auto started = HttpServer::start(*node.api, node.metrics, options);
    ASSERT_TRUE(started) << started.status().to_string();
    server = std::move(started).value();
    port = port_of(*server);
  }
  UnstartedNode node;
  std::unique_ptr<HttpServer> server;
  uint16_t port = 0;
};

TEST(HttpServerStart, RefusesBadAddressesAndTakenPorts) {
  UnstartedNode node;
  for (const char* bad : {"", "127.0.0.1", "nohost:80", "127.0.0.1:65536", "127.0.0.1:http", "1.2.3:80", ":80",
                          "127.0.0.1:-1"}) {
    HttpOptions options;
    options.listen = bad;
    auto r = HttpServer::start(*node.api, node.metrics, options);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.status().code(), Errc::kInvalidArgument) << bad;
  }
  HttpOptions options;
  options.listen = "127.0.0.1:0";
  auto first = HttpServer::start(*node.api, node.metrics, options);
  ASSERT_TRUE(first);
  options.listen = (*first)->address();
  auto second = HttpServer::start(*node.api, node.metrics, options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().code(), Errc::kIoError);
  EXPECT_NE(second.status().message().find("bind"), std::string::npos) << second.status().message();
}

TEST_F(HttpServerTest, KeepAliveAnswersEachRequestInTurn) {
  const std::string reply = send_raw(port,
                                     "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(count(reply, "HTTP/1.1 "), 3u) << reply;
  const size_t metrics = reply.find("HTTP/1.1 200 OK");
  const size_t missing = reply.find("HTTP/1.1 404 Not Found");
  const size_t css = reply.find("HTTP/1.1 200 OK", metrics + 1);
  EXPECT_LT(metrics, missing);
  EXPECT_LT(missing, css);
  EXPECT_NE(reply.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(reply.find("Content-Type: text/css"), std::string::npos);
}

TEST_F(HttpServerTest, HeadHasTheLengthButNoBody) {
  const std::string reply = send_raw(port, "HEAD /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(reply.starts_with("HTTP/1.1 200 OK")) << reply;
  const size_t end = reply.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(end + 4, reply.size()) << "a body after HEAD";
  EXPECT_NE(reply.find("Content-Length: "), std::string::npos);
  EXPECT_EQ(reply.find("Content-Length: 0\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, GarbageAndOversizedRequestsAreRefusedAndServingGoesOn) {
  EXPECT_TRUE(send_raw(port, "\x16\x03\x01\x02\x00garbage\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request"));
  EXPECT_TRUE(send_raw(port, "GET /v1/info HTTP/9.9\r\n\r\n").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(send_raw(port, "GET /v1/info HTTP/1.1\r\nBad Header\r\n\r\n").starts_with("HTTP/1.1 400"));
  const std::string big_header = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(5000, 'a') + "\r\n\r\n";
  const std::string too_big = send_raw(port, big_header);
  EXPECT_TRUE(too_big.starts_with("HTTP/1.1 413")) << too_big.substr(0, 100);
  EXPECT_NE(too_big.find("\"http_status\":413"), std::string::npos);
  const std::string body(5000, 'x');
  const std::string big_body = "POST /v1/ans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_TRUE(send_raw(port, big_body).starts_with("HTTP/1.1 413"));
  // Headers and body share the limit: each under it, together over it.
  const std::string half(2100, 'y');
  const std::string both = "POST /v1/ans HTTP/1.1\r\nHost: x\r\nX-Pad: " + half + "\r\nContent-Length: " +
                           std::to_string(half.size()) + "\r\n\r\n" + half;
  EXPECT_TRUE(send_raw(port, both).starts_with("HTTP/1.1 413"));
  const std::string after = send_raw(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(after.starts_with("HTTP/1.1 200 OK")) << after.substr(0, 100);
  // Every request was recorded, refused ones under the route "invalid".
  EXPECT_NE(after.find("ans_rpc_calls_total{transport=\"http\",method=\"invalid\",code=\"400\"} 3"), std::string::npos)
      << after;
  EXPECT_NE(after.find("ans_rpc_calls_total{transport=\"http\",method=\"invalid\",code=\"413\"} 3"), std::string::npos);
}

TEST(HttpServerLimits, ConnectionsAboveTheMaximumGet503) {
  UnstartedNode node;
  HttpOptions options;
  options.listen = "127.0.0.1:0";
  options.max_connections = 1;
  auto server = HttpServer::start(*node.api, node.metrics, options).value();
  asio::io_context io;
  tcp::socket held = connect(io, port_of(*server));
  // The held connection is counted once the server accepts it: a request proves that.
  asio::write(held, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")));
  char first[16];
  asio::read(held, asio::buffer(first));
  EXPECT_EQ(std::string(first, 12), "HTTP/1.1 200");
  const std::string refused = send_raw(port_of(*server), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused.substr(0, 100);
  held.close();
}

TEST(HttpServerLimits, IdleConnectionsAreClosed) {
  UnstartedNode node;
  HttpOptions options;
  options.listen = "127.0.0.1:0";
  options.idle_timeout_ms = 200;
  auto server = HttpServer::start(*node.api, node.metrics, options).value();
  asio::io_context io;
  tcp::socket socket = connect(io, port_of(*server));
  asio::write(socket, asio::buffer(std::string("GET /metr")));  // and then nothing
  EXPECT_EQ(read_all(socket), "");  // closed by the server, without an answer
}

}  // namespace
}  // namespace ans::rpc
