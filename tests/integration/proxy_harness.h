// Copyright 2026 The hoop Authors.
//
// An in-process PostgreSQL proxy for integration tests: one listening port on
// 127.0.0.1; per accepted client, a connection to the upstream server and a
// Session (postgres_session.h) in the data path. Real clients (psql,
// psycopg) connect to port() and do not know the difference.
//
//   ProxyHarnessOptions o;
//   o.upstream_port = server->port();                 // pg_server.h
//   o.session_options = [&](int index) {              // on the proxy thread
//     session::PostgresOptions p;
//     p.common.policy = policy;  p.masker = masker;  ...
//     return p;
//   };
//   o.capture = true;                                 // keep the bytes written
//   auto proxy = ProxyHarness::Start(std::move(o));
//   ... run psql against (*proxy)->port() ...
//   std::vector<std::string> held = (*proxy)->HeldRequests();
//   (*proxy)->Resolve(held[0], Resolution::kApprove, "ana", "ok");
//   ConnectionReport r = (*proxy)->Report(0);         // events, bytes, records
//
// How a connection runs (standalone Asio, one I/O thread for all
// connections, so a Session is only ever touched by that thread):
//   - a read from either socket (64 KiB buffer per direction) becomes
//     Session::Feed; the Output's to_server and to_client slices are written
//     with gather writes (sendmsg, i.e. writev), each socket's in order;
//   - the next call on the session waits until that Output is written (its
//     slices point into the read buffer and the session), and a direction's
//     next read waits until its buffer is free: backpressure end to end, so
//     memory does not grow with what flows through;
//   - Output::close closes both sockets once the output is written;
//   - client EOF (or a failed write to it) → Finish(1, …); server EOF →
//     Finish(2, …); Stop() → Finish(6, …) (session.v1.EndReason);
//   - Resolve() and Report() from the test thread are posted to the I/O
//     thread and waited for; a timer calls Tick() at next_deadline().
//
// Records: unless the factory set a recorder, each session gets a synchronous
// Recorder (queue_capacity 0) over a sink that keeps the framed stream and
// the parsed records in the harness, so they outlive the session (or, with
// record_dir, a FileSink there).
//
// Thread-safety: all public methods may be called from any thread except the
// proxy's own (they wait for it). Not copyable or movable.

#ifndef HOOP_TESTS_INTEGRATION_PROXY_HARNESS_H_
#define HOOP_TESTS_INTEGRATION_PROXY_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hoop/session/postgres_session.h"
#include "hoop/session/session.h"
#include "hoop/session/v1/record.pb.h"

namespace hoop::testing {

// Defaults:
//   upstream_host    127.0.0.1
//   upstream_port    0           required: the server's port
//   session_options  null        required; called per accepted client with
//                                its index (0, 1, …) on the proxy thread
//   record           true        attach the harness's recorder when the
//                                factory did not set one
//   record_dir       ""          with record: write each session's records
//                                to a FileSink in this directory instead of
//                                keeping them in memory (long sessions: the
//                                report's record fields stay empty)
//   capture          false       keep a copy of every byte written each way
//   read_size        65536       bytes per read(2)
struct ProxyHarnessOptions {
  std::string upstream_host = "127.0.0.1";
  int upstream_port = 0;
  std::function<absl::StatusOr<session::PostgresOptions>(int index)>
      session_options;
  bool record = true;
  std::string record_dir;
  bool capture = false;
  std::size_t read_size = 64 * 1024;
};

// A snapshot of one proxied connection.
struct ConnectionReport {
  int index = -1;
  std::string session_id;
  bool closed = false;      // both sockets closed, session finished
  std::string setup_error;  // the factory or NewPostgresSession failed
  std::vector<session::Event> events;   // every Output's events, in order
  session::SessionStats stats;          // after the last call
  std::uint64_t written_to_client = 0;  // bytes the proxy wrote
  std::uint64_t written_to_server = 0;
  std::string captured_to_client;  // with ProxyHarnessOptions::capture
  std::string captured_to_server;
  std::string record_stream;                 // framed, as a file holds it
  std::vector<session::v1::Record> records;  // parsed
  bool saw_close = false;                    // some Output had close set
};

class ProxyHarness {
 public:
  // Binds 127.0.0.1:0 and starts the I/O thread.
  static absl::StatusOr<std::unique_ptr<ProxyHarness>> Start(
      ProxyHarnessOptions options);

  ProxyHarness(const ProxyHarness&) = delete;
  ProxyHarness& operator=(const ProxyHarness&) = delete;
  ~ProxyHarness();  // Stop()

  // Stops accepting, finishes every live session (gateway shutdown), closes
  // the sockets and joins the I/O thread. Idempotent.
  void Stop();

  int port() const { return port_; }

  // Connections accepted so far.
  int connections();

  // Request ids held now, over all connections, oldest connection first.
  std::vector<std::string> HeldRequests();

  // Polls HeldRequests() until it has at least `n` ids or `timeout` passes.
  std::vector<std::string> WaitForHeld(std::size_t n, absl::Duration timeout);

  // Resolves a held command on whichever connection holds it; the output is
  // written like any other. Returns that call's events, or an empty vector
  // when no connection holds `request_id`.
  std::vector<session::Event> Resolve(const std::string& request_id,
                                      session::Resolution resolution,
                                      const std::string& approver,
                                      const std::string& reason);

  // Calls Tick() on every live session now (the timer does it at deadlines).
  void TickAll();

  // A snapshot of connection `index` (an empty report if there is none).
  ConnectionReport Report(int index);

  // Waits until connection `index` exists and is closed.
  bool WaitForClosed(int index, absl::Duration timeout);

  class Impl;  // proxy_harness.cc

 private:
  explicit ProxyHarness(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace hoop::testing

#endif  // HOOP_TESTS_INTEGRATION_PROXY_HARNESS_H_
