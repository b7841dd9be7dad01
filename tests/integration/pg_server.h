// Copyright 2026 The hoop Authors.
//
// A throwaway PostgreSQL server for integration tests: initdb into a fresh
// temp dir, its own postgresql.conf and pg_hba.conf, a free port on
// 127.0.0.1, stopped by its PID and removed when the object dies.
//
//   hoop::testing::PgServerOptions opts;               // scram-sha-256 on TCP
//   auto server = hoop::testing::PgServer::Start(opts);
//   if (!server.ok()) ...;                              // says why (log tail)
//   (*server)->Psql("CREATE ROLE u LOGIN PASSWORD 'p'");  // as the superuser
//   Connect to 127.0.0.1:(*server)->port() and speak the protocol.
//
// initdb refuses to run as root, so when the test runs as root the server
// (and initdb) run as the `postgres` OS user that Debian's package creates,
// and the temp dir is given to that user. Superuser SQL goes through psql
// over the unix socket in the temp dir (pg_hba: `local ... trust`), so no
// password for the superuser exists at all.
//
// Not thread-safe; one object per server. Not copyable or movable (it owns a
// child process).

#ifndef HOOP_TESTS_INTEGRATION_PG_SERVER_H_
#define HOOP_TESTS_INTEGRATION_PG_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hoop::testing {

// Defaults:
//   bin_dir      /usr/lib/postgresql/15/bin   Debian's postgresql-15
//   superuser    postgres                     the bootstrap role's name
//   hba          host all all 127.0.0.1/32 scram-sha-256
//   settings     (none beyond the fixed ones below)
//   start_timeout_seconds  60
//
// Fixed settings: listen_addresses=127.0.0.1, the port, the unix socket in the
// temp dir, password_encryption=scram-sha-256, ssl=off, fsync=off,
// TimeZone=UTC, lc_messages=C (error texts in English).
struct PgServerOptions {
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  std::string superuser = "postgres";
  // pg_hba.conf lines after the superuser's `local` trust line. First match
  // wins, so put role-specific lines before the catch-all.
  std::vector<std::string> hba = {"host all all 127.0.0.1/32 scram-sha-256"};
  // Extra postgresql.conf lines, e.g. "max_connections = 20".
  std::vector<std::string> settings;
  int start_timeout_seconds = 60;
};

class PgServer {
 public:
  // OK when the server binaries exist (and, as root, the `postgres` user);
  // otherwise FailedPrecondition saying what is missing (tests then skip).
  static absl::Status CheckAvailable(const PgServerOptions& options = {});

  // Creates the cluster and starts the server; returns once it accepts
  // connections. Errors carry the tail of initdb's or the server's log.
  static absl::StatusOr<std::unique_ptr<PgServer>> Start(
      const PgServerOptions& options = {});

  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;
  ~PgServer();  // Stop(), then removes the temp dir.

  // Fast shutdown (SIGINT to the postmaster's PID), waits for it to exit
  // (escalating to SIGQUIT, then SIGKILL, if it does not). Idempotent.
  absl::Status Stop();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& host() const { return host_; }  // "127.0.0.1"
  const std::string& dir() const { return dir_; }    // the temp dir
  const std::string& socket_dir() const { return dir_; }
  const std::string& superuser() const { return superuser_; }

  // Runs `sql` with psql as the superuser over the unix socket, stopping at
  // the first error. Returns psql's output, or an error with its output.
  absl::StatusOr<std::string> Psql(const std::string& sql,
                                   const std::string& database = "postgres");

  // The server's log so far (its stderr).
  std::string Log() const;

 private:
  PgServer() = default;

  std::string bin_dir_;
  std::string superuser_;
  std::string dir_;  // temp dir: data/, the unix socket, logs
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;  // the postmaster (our child)
};

}  // namespace hoop::testing

#endif  // HOOP_TESTS_INTEGRATION_PG_SERVER_H_
