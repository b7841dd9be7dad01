// Copyright 2026 The hoop Authors.

#include "tests/integration/proxy_harness.h"

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "hoop/session/recorder.h"
#include "hoop/session/sink.h"

namespace hoop::testing {
namespace {

using asio::ip::tcp;
using session::Direction;
using session::Output;
using session::Resolution;

// EndReason values (proto/hoop/session/v1/record.proto).
constexpr int kClientClosed = 1;
constexpr int kServerClosed = 2;
constexpr int kGatewayShutdown = 6;

// Where a session's records go: kept by the harness, so they outlive the
// session and can be read while it runs.
struct RecordStore {
  std::mutex mu;
  std::string stream;
  std::vector<session::v1::Record> records;
};

int Side(Direction d) { return d == Direction::kClientToServer ? 0 : 1; }

}  // namespace

// One proxied connection. Lives on the I/O thread; the harness keeps it
// (and its session) until the harness dies, so reports stay readable.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, tcp::socket client, int index,
             const ProxyHarnessOptions& options)
      : client_(std::move(client)),
        server_(io),
        timer_(io),
        index_(index),
        options_(options) {
    for (auto& b : buf_) b.resize(options.read_size);
    records_ = std::make_shared<RecordStore>();
  }

  void Begin() {
    absl::StatusOr<session::PostgresOptions> o =
        options_.session_options(index_);
    if (!o.ok()) return FailSetup(o.status().ToString());
    if (o->common.session_id.empty())
      o->common.session_id = "itest-" + std::to_string(index_);
    session_id_ = o->common.session_id;
    if (o->recorder == nullptr && options_.record) {
      session::RecorderOptions ro;
      ro.session_id = session_id_;
      ro.queue_capacity = 0;  // synchronous: records visible at once
      ro.durability = session::Durability::kAtClose;
      std::unique_ptr<session::Sink> sink;
      if (!options_.record_dir.empty()) {
        session::FileSink::Options fo;
        fo.dir = options_.record_dir;
        absl::StatusOr<std::unique_ptr<session::FileSink>> file =
            session::FileSink::Create(fo);
        if (!file.ok()) return FailSetup(file.status().ToString());
        sink = std::move(*file);
      } else {
        std::shared_ptr<RecordStore> store = records_;
        sink = std::make_unique<session::CallbackSink>(
            [store](std::string_view framed, const session::v1::Record& r) {
              std::lock_guard<std::mutex> l(store->mu);
              store->stream.append(framed);
              store->records.push_back(r);
              return absl::OkStatus();
            });
      }
      absl::StatusOr<std::unique_ptr<session::Recorder>> rec =
          session::Recorder::Create(ro, std::move(sink));
      if (!rec.ok()) return FailSetup(rec.status().ToString());
      o->recorder = std::move(*rec);
    }
    absl::StatusOr<std::unique_ptr<session::Session>> s =
        session::NewPostgresSession(std::move(*o));
    if (!s.ok()) return FailSetup(s.status().ToString());
    session_ = std::move(*s);

    asio::error_code ec;
    tcp::resolver resolver(server_.get_executor());
    auto endpoints = resolver.resolve(
        options_.upstream_host, std::to_string(options_.upstream_port), ec);
    if (!ec) asio::connect(server_, endpoints, ec);
    if (ec) {
      // The client sees its connection drop; the session says why.
      setup_error_ = "upstream connect: " + ec.message();
      Enqueue(Op::Finish(kServerClosed, setup_error_));
      return;
    }
    server_.set_option(tcp::no_delay(true), ec);
    client_.set_option(tcp::no_delay(true), ec);
    StartRead(Direction::kClientToServer);
    StartRead(Direction::kServerToClient);
  }

  // Operations on the session, run one at a time: the next waits until the
  // previous Output is written.
  struct Op {
    enum Kind { kFeed, kResolve, kTick, kFinish } kind = kTick;
    Direction dir = Direction::kClientToServer;
    std::size_t n = 0;
    std::string id, approver, reason;
    Resolution resolution = Resolution::kDeny;
    int end_reason = 0;
    std::shared_ptr<std::promise<std::vector<session::Event>>> done;

    static Op Feed(Direction d, std::size_t n) {
      Op o;
      o.kind = kFeed;
      o.dir = d;
      o.n = n;
      return o;
    }
    static Op Finish(int reason, std::string detail) {
      Op o;
      o.kind = kFinish;
      o.end_reason = reason;
      o.reason = std::move(detail);
      return o;
    }
  };

  void Enqueue(Op op) {
    pending_.push_back(std::move(op));
    Pump();
  }

  // Runs queued operations until one has output in flight.
  void Pump() {
    while (!busy_ && !pending_.empty()) {
      Op op = std::move(pending_.front());
      pending_.pop_front();
      if (closed_ || session_ == nullptr || finished_) {
        if (op.done) op.done->set_value({});
        continue;
      }
      const Output* out = nullptr;
      switch (op.kind) {
        case Op::kFeed:
          out = &session_->Feed(
              op.dir, std::string_view(buf_[Side(op.dir)].data(), op.n));
          break;
        case Op::kResolve: {
          const std::vector<std::string> held = session_->held_requests();
          if (std::find(held.begin(), held.end(), op.id) == held.end()) {
            op.done->set_value({});
            continue;
          }
          out =
              &session_->Resolve(op.id, op.resolution, op.approver, op.reason);
          break;
        }
        case Op::kTick:
          out = &session_->Tick();
          break;
        case Op::kFinish:
          finished_ = true;
          out = &session_->Finish(op.end_reason, op.reason);
          break;
      }
      stats_ = session_->stats();
      events_.insert(events_.end(), out->events.begin(), out->events.end());
      if (op.done) op.done->set_value(out->events);
      if (out->close) saw_close_ = true;
      WriteOutput(*out, op);
    }
  }

  void WriteOutput(const Output& out, const Op& op) {
    busy_ = true;
    close_after_ = out.close || op.kind == Op::kFinish;
    after_ = op;
    outstanding_ = 0;
    for (int side = 0; side < 2; ++side) {
      const std::vector<session::Slice>& slices =
          side == 0 ? out.to_server : out.to_client;
      std::vector<asio::const_buffer>& bufs = write_bufs_[side];
      bufs.clear();
      std::uint64_t total = 0;
      for (const session::Slice& s : slices) {
        if (s.size == 0) continue;
        bufs.emplace_back(s.data, s.size);
        total += s.size;
        if (options_.capture)
          (side == 0 ? captured_to_server_ : captured_to_client_)
              .append(s.data, s.size);
      }
      (side == 0 ? written_to_server_ : written_to_client_) += total;
      if (bufs.empty() || write_failed_[side]) continue;
      ++outstanding_;
      tcp::socket& sock = side == 0 ? server_ : client_;
      asio::async_write(sock, bufs,
                        [self = shared_from_this(), side](
                            const asio::error_code& ec, std::size_t) {
                          if (ec) self->write_failed_[side] = true;
                          self->OnWritten();
                        });
    }
    if (outstanding_ == 0) {
      // Nothing to write: finish on a fresh stack (Pump's loop goes on).
      busy_ = false;
      AfterWrite();
    }
  }

  void OnWritten() {
    if (--outstanding_ > 0) return;
    busy_ = false;
    AfterWrite();
    Pump();
  }

  void AfterWrite() {
    if (close_after_) return Close();
    if (write_failed_[0] || write_failed_[1]) {
      // A peer went away mid-write: the session ends as if it closed.
      if (!finished_) {
        pending_.push_front(Op::Finish(
            write_failed_[1] ? kClientClosed : kServerClosed, "write failed"));
      }
      return;
    }
    if (after_.kind == Op::kFeed) StartRead(after_.dir);
    ArmTimer();
  }

  void StartRead(Direction dir) {
    const int side = Side(dir);
    if (closed_ || finished_ || eof_[side]) return;
    tcp::socket& sock = side == 0 ? client_ : server_;
    sock.async_read_some(
        asio::buffer(buf_[side]),
        [self = shared_from_this(), dir, side](const asio::error_code& ec,
                                               std::size_t n) {
          if (self->closed_) return;
          if (ec) {
            self->eof_[side] = true;
            self->Enqueue(Op::Finish(
                side == 0 ? kClientClosed : kServerClosed,
                (side == 0 ? "client: " : "server: ") + ec.message()));
            return;
          }
          self->Enqueue(Op::Feed(dir, n));
        });
  }

  void ArmTimer() {
    if (session_ == nullptr || finished_ || closed_) return;
    const absl::Time deadline = session_->next_deadline();
    if (deadline == absl::InfiniteFuture()) {
      timer_.cancel();
      return;
    }
    const absl::Duration wait =
        std::max(absl::ZeroDuration(), deadline - absl::Now());
    timer_.expires_after(absl::ToChronoMilliseconds(wait) +
                         std::chrono::milliseconds(1));
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (ec || self->closed_) return;
      Op o;
      o.kind = Op::kTick;
      self->Enqueue(std::move(o));
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ec;
    timer_.cancel();
    client_.shutdown(tcp::socket::shutdown_both, ec);
    server_.shutdown(tcp::socket::shutdown_both, ec);
    client_.close(ec);
    server_.close(ec);
    for (Op& op : pending_)
      if (op.done) op.done->set_value({});
    pending_.clear();
  }

  void FailSetup(std::string why) {
    setup_error_ = std::move(why);
    finished_ = true;
    Close();
  }

  std::vector<std::string> Held() const {
    if (session_ == nullptr || finished_) return {};
    return session_->held_requests();
  }

  ConnectionReport Snapshot() const {
    ConnectionReport r;
    r.index = index_;
    r.session_id = session_id_;
    r.closed = closed_;
    r.setup_error = setup_error_;
    r.events = events_;
    r.stats = stats_;
    r.written_to_client = written_to_client_;
    r.written_to_server = written_to_server_;
    r.captured_to_client = captured_to_client_;
    r.captured_to_server = captured_to_server_;
    r.saw_close = saw_close_;
    std::lock_guard<std::mutex> l(records_->mu);
    r.record_stream = records_->stream;
    r.records = records_->records;
    return r;
  }

  bool closed() const { return closed_; }

 private:
  tcp::socket client_, server_;
  asio::steady_timer timer_;
  const int index_;
  const ProxyHarnessOptions& options_;
  std::string session_id_;
  std::string setup_error_;
  std::unique_ptr<session::Session> session_;
  std::shared_ptr<RecordStore> records_;

  std::array<std::vector<char>, 2> buf_;  // [0] client's bytes, [1] server's
  std::array<std::vector<asio::const_buffer>, 2> write_bufs_;  // [0] server
  std::array<bool, 2> eof_{false, false};           // [0] client, [1] server
  std::array<bool, 2> write_failed_{false, false};  // [0] server, [1] client
  std::deque<Op> pending_;
  Op after_;
  bool busy_ = false;
  bool close_after_ = false;
  int outstanding_ = 0;
  bool finished_ = false;
  bool closed_ = false;

  std::vector<session::Event> events_;
  session::SessionStats stats_;
  std::uint64_t written_to_client_ = 0, written_to_server_ = 0;
  std::string captured_to_client_, captured_to_server_;
  bool saw_close_ = false;
};

class ProxyHarness::Impl {
 public:
  explicit Impl(ProxyHarnessOptions options)
      : options_(std::move(options)),
        work_(asio::make_work_guard(io_)),
        acceptor_(io_) {}

  absl::StatusOr<int> Listen() {
    asio::error_code ec;
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(64, ec);
    if (ec) return absl::InternalError("proxy listen: " + ec.message());
    return static_cast<int>(acceptor_.local_endpoint().port());
  }

  void Run() {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  void Accept() {
    acceptor_.async_accept([this](const asio::error_code& ec,
                                  tcp::socket socket) {
      if (ec) return;  // closed by Stop
      auto c = std::make_shared<Connection>(
          io_, std::move(socket), static_cast<int>(conns_.size()), options_);
      conns_.push_back(c);
      c->Begin();
      Accept();
    });
  }

  // Runs `fn` on the I/O thread and waits for its result.
  // Once the thread has stopped, runs `fn` here (nothing else runs then).
  template <typename Fn>
  auto OnIoThread(Fn fn) -> decltype(fn()) {
    using R = decltype(fn());
    if (joined_) return fn();
    std::packaged_task<R()> task(std::move(fn));
    std::future<R> f = task.get_future();
    asio::post(io_, [&task] { task(); });
    return f.get();
  }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    if (thread_.joinable()) {
      OnIoThread([this] {
        asio::error_code ec;
        acceptor_.close(ec);
        for (auto& c : conns_)
          if (!c->closed())
            c->Enqueue(
                Connection::Op::Finish(kGatewayShutdown, "test proxy stopped"));
        return 0;
      });
      const absl::Time until = absl::Now() + absl::Seconds(5);
      while (absl::Now() < until) {
        const bool all = OnIoThread([this] {
          for (auto& c : conns_)
            if (!c->closed()) return false;
          return true;
        });
        if (all) break;
        absl::SleepFor(absl::Milliseconds(10));
      }
      OnIoThread([this] {
        for (auto& c : conns_) c->Close();
        return 0;
      });
      work_.reset();
      io_.stop();
      thread_.join();
      joined_ = true;
      // Let the aborted handlers run (and drop their connection references)
      // while the sockets' service still exists.
      io_.restart();
      io_.poll();
    }
  }

  ProxyHarnessOptions options_;
  asio::io_context io_;
  // Keeps run() going when no socket is busy (OnIoThread still works).
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::shared_ptr<Connection>> conns_;  // I/O thread only
  bool stopped_ = false;
  bool joined_ = false;
};

absl::StatusOr<std::unique_ptr<ProxyHarness>> ProxyHarness::Start(
    ProxyHarnessOptions options) {
  if (options.upstream_port <= 0)
    return absl::InvalidArgumentError("proxy: no upstream_port");
  if (!options.session_options)
    return absl::InvalidArgumentError("proxy: no session_options");
  if (options.read_size == 0) options.read_size = 64 * 1024;
  auto impl = std::make_unique<Impl>(std::move(options));
  absl::StatusOr<int> port = impl->Listen();
  if (!port.ok()) return port.status();
  std::unique_ptr<ProxyHarness> h(new ProxyHarness(std::move(impl)));
  h->port_ = *port;
  h->impl_->Run();
  return h;
}

ProxyHarness::ProxyHarness(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

ProxyHarness::~ProxyHarness() { Stop(); }

void ProxyHarness::Stop() { impl_->Stop(); }

int ProxyHarness::connections() {
  return impl_->OnIoThread(
      [this] { return static_cast<int>(impl_->conns_.size()); });
}

std::vector<std::string> ProxyHarness::HeldRequests() {
  return impl_->OnIoThread([this] {
    std::vector<std::string> all;
    for (auto& c : impl_->conns_) {
      std::vector<std::string> h = c->Held();
      all.insert(all.end(), h.begin(), h.end());
    }
    return all;
  });
}

std::vector<std::string> ProxyHarness::WaitForHeld(std::size_t n,
                                                   absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  std::vector<std::string> held;
  while (true) {
    held = HeldRequests();
    if (held.size() >= n || absl::Now() >= until) return held;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::vector<session::Event> ProxyHarness::Resolve(
    const std::string& request_id, session::Resolution resolution,
    const std::string& approver, const std::string& reason) {
  auto done = std::make_shared<std::promise<std::vector<session::Event>>>();
  std::future<std::vector<session::Event>> f = done->get_future();
  const bool queued = impl_->OnIoThread([&] {
    for (auto& c : impl_->conns_) {
      std::vector<std::string> h = c->Held();
      if (std::find(h.begin(), h.end(), request_id) == h.end()) continue;
      Connection::Op op;
      op.kind = Connection::Op::kResolve;
      op.id = request_id;
      op.resolution = resolution;
      op.approver = approver;
      op.reason = reason;
      op.done = done;
      c->Enqueue(std::move(op));
      return true;
    }
    return false;
  });
  if (!queued) return {};
  return f.get();
}

void ProxyHarness::TickAll() {
  impl_->OnIoThread([this] {
    for (auto& c : impl_->conns_) {
      Connection::Op op;
      op.kind = Connection::Op::kTick;
      c->Enqueue(std::move(op));
    }
    return 0;
  });
}

ConnectionReport ProxyHarness::Report(int index) {
  return impl_->OnIoThread([this, index] {
    if (index < 0 || index >= static_cast<int>(impl_->conns_.size()))
      return ConnectionReport{};
    return impl_->conns_[static_cast<std::size_t>(index)]->Snapshot();
  });
}

bool ProxyHarness::WaitForClosed(int index, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (true) {
    const bool closed = impl_->OnIoThread([this, index] {
      return index >= 0 && index < static_cast<int>(impl_->conns_.size()) &&
             impl_->conns_[static_cast<std::size_t>(index)]->closed();
    });
    if (closed) return true;
    if (absl::Now() >= until) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace hoop::testing
