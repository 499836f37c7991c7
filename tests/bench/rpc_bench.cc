// RPC throughput against a running node (docs/benchmarks.md, "RPC"):
//   bench_rpc [--grpc 127.0.0.1:9770] [--http 127.0.0.1:9771] [--name founder] [--seconds 5]
// For 4 and 64 calls in flight (one client thread per call in flight, each with blocking
// calls), the rate and the p50/p99 latency of:
//   - EchoService.Echo: a trivial call on the same server (the ceiling);
//   - NameService.Resolve of --name;
//   - HTTP GET /v1/names/{name} over keep-alive connections.
// The client shares the machine's cores with the node, as the echo ceiling does.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ans/v1/rpc.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct Figures {
  double rate = 0;
  double p50_us = 0;
  double p99_us = 0;
  uint64_t errors = 0;
};

// Runs `threads` loops of `call` (each makes one call, returns false on error) for `seconds`.
Figures run(unsigned threads, double seconds, const std::function<std::function<bool()>()>& make_call) {
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<uint64_t> errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto call = make_call();
      while (!stop.load(std::memory_order_relaxed)) {
        auto start = Clock::now();
        bool ok = call();
        latencies[t].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        if (!ok) errors.fetch_add(1);
      }
    });
  }
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Figures f;
  f.errors = errors.load();
  if (all.empty()) return f;
  f.rate = static_cast<double>(all.size()) / elapsed;
  f.p50_us = all[all.size() / 2];
  f.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return f;
}

void print(const char* what, unsigned in_flight, const Figures& f, double ceiling) {
  std::printf("%-28s %3u in flight: %9.0f calls/s  p50 %7.0f us  p99 %7.0f us  %.2f of echo%s\n", what,
              in_flight, f.rate, f.p50_us, f.p99_us, ceiling > 0 ? f.rate / ceiling : 0.0,
              f.errors ? "  (errors!)" : "");
  if (f.errors) std::printf("  %llu calls failed\n", static_cast<unsigned long long>(f.errors));
}

}  // namespace

int main(int argc, char** argv) {
  std::string grpc_address = "127.0.0.1:9770";
  std::string http_address = "127.0.0.1:9771";
  std::string name = "founder";
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--grpc") grpc_address = argv[i + 1];
    else if (flag == "--http") http_address = argv[i + 1];
    else if (flag == "--name") name = argv[i + 1];
    else if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_rpc [--grpc H:P] [--http H:P] [--name N] [--seconds S]\n");
      return 2;
    }
  }
  // One channel per client thread, as independent callers have.
  auto channel = [&] {
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);
    return grpc::CreateCustomChannel(grpc_address, grpc::InsecureChannelCredentials(), args);
  };
  const std::string host = http_address.substr(0, http_address.rfind(':'));
  const std::string port = http_address.substr(http_address.rfind(':') + 1);

  for (unsigned in_flight : {4u, 64u}) {
    Figures echo = run(in_flight, seconds, [&] {
      auto stub = std::shared_ptr<ans::v1::EchoService::Stub>(ans::v1::EchoService::NewStub(channel()));
      return std::function<bool()>([stub] {
        grpc::ClientContext ctx;
        ans::v1::EchoMessage in, out;
        in.set_payload("ping");
        return stub->Echo(&ctx, in, &out).ok();
      });
    });
    print("gRPC Echo (ceiling)", in_flight, echo, 0);
    Figures resolve = run(in_flight, seconds, [&] {
      auto stub = std::shared_ptr<ans::v1::NameService::Stub>(ans::v1::NameService::NewStub(channel()));
      return std::function<bool()>([stub, name] {
        grpc::ClientContext ctx;
        ans::v1::ResolveRequest in;
        ans::v1::ResolveResponse out;
        in.set_name(name);
        return stub->Resolve(&ctx, in, &out).ok() && out.record().name() == name;
      });
    });
    print("gRPC NameService.Resolve", in_flight, resolve, echo.rate);
    Figures get = run(in_flight, seconds, [&] {
      auto io = std::make_shared<boost::asio::io_context>();
      auto stream = std::make_shared<beast::tcp_stream>(*io);
      auto connect = [io, stream, host, port] {
        tcp::resolver resolver(*io);
        beast::error_code ec;
        stream->socket().close(ec);
        stream->connect(resolver.resolve(host, port), ec);
        return !ec;
      };
      connect();
      const std::string target = "/v1/names/" + name;
      return std::function<bool()>([io, stream, connect, target, host] {
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, host);
        req.keep_alive(true);
        beast::error_code ec;
        http::write(*stream, req, ec);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        if (!ec) http::read(*stream, buffer, res, ec);
        if (ec || !res.keep_alive()) {
          connect();
          return false;
        }
        return res.result() == http::status::ok;
      });
    });
    print("HTTP GET /v1/names/{name}", in_flight, get, echo.rate);
  }
  return 0;
}
