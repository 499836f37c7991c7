#include "rpc/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include "rpc/http_routes.h"

namespace ans::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Impl(const NodeApi& a, Metrics& m, HttpOptions o) : api(a), metrics(m), options(std::move(o)), router(a, m) {}

  const NodeApi& api;
  Metrics& metrics;
  HttpOptions options;
  HttpRouter router;
  std::atomic<size_t> connections{0};
  // After what the sessions use: destroying the io_context destroys the sessions it holds.
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::string address;
  std::vector<std::thread> threads;

  void accept();
};

namespace {

using Clock = std::chrono::steady_clock;

// One connection: requests read and answered in turn (HTTP/1.1 keep-alive), on its strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server, bool over_limit)
      : stream_(std::move(socket)), server_(server), over_limit_(over_limit) {}
  ~Session() { server_.connections.fetch_sub(1); }

  void start() {
    if (over_limit_) {
      HttpReply reply = error_reply(503, "UNAVAILABLE",
                                    "this node has " + std::to_string(server_.options.max_connections) +
                                        " HTTP connections open, its maximum; try again later",
                                    "unmatched");
      return send(std::move(reply), "-", "-", 11, false, Clock::now(), false);
    }
    read();
  }

 private:
  void read() {
    parser_.emplace();
    const size_t limit = server_.options.max_request_bytes;
    parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(limit, std::numeric_limits<uint32_t>::max())));
    parser_->body_limit(limit);
    stream_.expires_after(std::chrono::milliseconds(server_.options.idle_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t header_bytes) {
    if (ec) return on_read_error(ec);
    // Headers and body share the one limit.
    const size_t limit = server_.options.max_request_bytes;
    const size_t left = limit > header_bytes ? limit - header_bytes : 0;
    // The parser checks a Content-Length against the limit it had while reading the headers.
    if (const auto length = parser_->content_length(); length && *length > left) {
      return on_read_error(http::error::body_limit);
    }
    parser_->body_limit(left);
    if (parser_->is_done()) return on_request();
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code e, size_t) {
      if (e) return self->on_read_error(e);
      self->on_request();
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      return send(error_reply(413, "INVALID_ARGUMENT",
                              "the request is larger than this node's limit of " +
                                  std::to_string(server_.options.max_request_bytes) + " bytes (headers and body)",
                              "invalid"),
                  "-", "-", 11, false, Clock::now(), false);
    }
    // The peer closed, went quiet or reset: nothing to answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::broken_pipe) {
      return close();
    }
    send(error_reply(400, "INVALID_ARGUMENT", "malformed HTTP request: " + ec.message(), "invalid"), "-", "-", 11,
         false, Clock::now(), false);
  }

  void on_request() {
    const Clock::time_point started = Clock::now();
    const auto& request = parser_->get();
    const std::string method(request.method_string());
    const std::string target(request.target());
    const std::string if_none_match(request[http::field::if_none_match]);
    HttpReply reply = server_.router.handle(method, target, request.body(), if_none_match);
    send(std::move(reply), method, target, request.version(), request.keep_alive(), started,
         request.method() == http::verb::head);
  }

  void send(HttpReply reply, std::string method, std::string target, unsigned version, bool keep_alive,
            Clock::time_point started, bool head) {
    response_.emplace(static_cast<http::status>(reply.status), version);
    auto& res = *response_;
    res.set(http::field::server, "ansd");
    if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
    for (auto& [name, value] : reply.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    const size_t bytes = reply.body.size();
    if (reply.status != 204 && reply.status != 304) {
      res.content_length(bytes);
      if (!head) res.body() = std::move(reply.body);
    }
    http::async_write(stream_, res,
                      [self = shared_from_this(), reply_status = reply.status, route = std::move(reply.route),
                       method = std::move(method), target = std::move(target), bytes, started,
                       keep_alive](beast::error_code ec, size_t) {
                        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
                        self->server_.metrics.observe_call("http", route, std::to_string(reply_status), seconds);
                        spdlog::debug("http {} {} {} {}B {}us", method, target.substr(0, 256), reply_status, bytes,
                                      static_cast<uint64_t>(seconds * 1e6));
                        if (ec || !keep_alive) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  bool over_limit_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      const bool over = connections.fetch_add(1) >= options.max_connections;
      std::make_shared<Session>(std::move(socket), *this, over)->start();
    } else {
      spdlog::debug("http accept: {}", ec.message());
    }
    accept();
  });
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return Status(Errc::kInvalidArgument, "HTTP listen address '" + std::string(text) + "' is not host:port");
  }
  std::string host(text.substr(0, colon));
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec || host.empty()) {
    return Status(Errc::kInvalidArgument, "HTTP listen address '" + std::string(text) +
                                              "': the host must be an IP address (127.0.0.1, [::1]) or localhost");
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoul(std::string(port)) > 65535) {
    return Status(Errc::kInvalidArgument, "HTTP listen address '" + std::string(text) + "': the port must be 0..65535");
  }
  return ListenAddress{host, static_cast<uint16_t>(std::stoul(std::string(port)))};
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const NodeApi& api, Metrics& metrics, HttpOptions options) {
  auto where = parse_listen_address(options.listen);
  if (!where) return where.status();
  if (options.threads == 0) return Status(Errc::kInvalidArgument, "HTTP threads must be at least 1");
  auto impl = std::make_unique<Impl>(api, metrics, options);
  const tcp::endpoint endpoint(asio::ip::make_address(where->host), where->port);
  beast::error_code ec;
  auto fail = [&](std::string_view step) {
    return Status(Errc::kIoError, "cannot " + std::string(step) + " HTTP on " + options.listen + ": " + ec.message());
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("configure");
  if (impl->acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen for");
  const uint16_t port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return fail("read the bound address of");
  impl->address = (endpoint.address().is_v6() ? "[" + where->host + "]" : where->host) + ":" + std::to_string(port);
  impl->accept();
  for (unsigned i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([io = &impl->ioc] { io->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->ioc.stop();
  for (auto& thread : impl_->threads) thread.join();
}

std::string HttpServer::address() const { return impl_->address; }

}  // namespace ans::rpc
