// Copyright 2026 The hoop Authors.

#include "tests/integration/pg_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace hoop::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, std::size_t max = 2000) {
  if (text.size() <= max) return text;
  return "..." + text.substr(text.size() - max);
}

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// A free TCP port on 127.0.0.1 (the kernel's pick for port 0). Another
// process may take it before the server binds it; Start() retries then.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool CanConnect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

struct RunAs {
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// fork + exec with stdin from /dev/null and stdout/stderr appended to
// `log_path`. Everything the child needs is prepared before fork, so the
// child calls only async-signal-safe functions.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args,
                            const std::vector<std::string>& env,
                            const std::string& log_path, const std::string& cwd,
                            RunAs run_as) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError(Errno("fork"));
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int log_fd = ::open(log_path.c_str(),
                              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null_fd < 0 || log_fd < 0) ::_exit(126);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (run_as.change) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(run_as.gid) != 0 ||
          ::setuid(run_as.uid) != 0) {
        ::_exit(126);
      }
    }
    // If the test process dies without stopping us, the server goes too.
    // (Set after setuid: a credential change clears it.)
    ::prctl(PR_SET_PDEATHSIG, SIGINT);
    if (::getppid() != parent) ::_exit(126);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout`; returns its wait status, or -1 on timeout.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status))
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

absl::StatusOr<int> Run(const std::vector<std::string>& args,
                        const std::vector<std::string>& env,
                        const std::string& log_path, const std::string& cwd,
                        RunAs run_as, std::chrono::seconds timeout) {
  absl::StatusOr<pid_t> pid = Spawn(args, env, log_path, cwd, run_as);
  if (!pid.ok()) return pid.status();
  const int status = WaitFor(*pid, timeout);
  if (status == -1) {
    ::kill(*pid, SIGKILL);
    ::waitpid(*pid, nullptr, 0);
    return absl::DeadlineExceededError(args[0] + " did not finish in time");
  }
  return status;
}

std::vector<std::string> ServerEnv() {
  return {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C", "TZ=UTC"};
}

// The postmaster writes its status ("starting", "ready", ...) to line 8 of
// postmaster.pid; pg_ctl -w waits on the same line.
bool PidFileSaysReady(const std::string& data_dir) {
  std::istringstream in(ReadFile(data_dir + "/postmaster.pid"));
  std::string line;
  for (int i = 0; i < 8; ++i) {
    if (!std::getline(in, line)) return false;
  }
  return line.rfind("ready", 0) == 0;
}

}  // namespace

absl::Status PgServer::CheckAvailable(const PgServerOptions& options) {
  for (const char* tool : {"initdb", "postgres", "psql"}) {
    const std::string path = options.bin_dir + "/" + tool;
    if (::access(path.c_str(), X_OK) != 0) {
      return absl::FailedPreconditionError(
          path +
          " is missing: install postgresql-15 (scripts/install-deps.sh)");
    }
  }
  if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr) {
    return absl::FailedPreconditionError(
        "running as root, and there is no `postgres` OS user to run the "
        "server as (initdb refuses root)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PgServer>> PgServer::Start(
    const PgServerOptions& options) {
  if (absl::Status s = CheckAvailable(options); !s.ok()) return s;
  std::unique_ptr<PgServer> server(new PgServer());
  server->bin_dir_ = options.bin_dir;
  server->superuser_ = options.superuser;

  char tmpl[] = "/tmp/hoop-pgtest.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return absl::InternalError(Errno("mkdtemp"));
  server->dir_ = tmpl;  // from here on, the destructor removes it

  RunAs run_as;
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    run_as = {true, pw->pw_uid, pw->pw_gid};
    if (::chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return absl::InternalError(Errno("chown temp dir to postgres"));
    }
  }
  const std::string& dir = server->dir_;
  const std::string data = dir + "/data";

  // --- initdb ---
  const std::string initdb_log = dir + "/initdb.log";
  absl::StatusOr<int> rc =
      Run({options.bin_dir + "/initdb", "-D", data, "-U", options.superuser,
           "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
           "--no-instructions"},
          ServerEnv(), initdb_log, dir, run_as,
          std::chrono::seconds(options.start_timeout_seconds));
  if (!rc.ok()) return rc.status();
  if (*rc != 0) {
    return absl::InternalError("initdb " + DescribeExit(*rc) + ":\n" +
                               Tail(ReadFile(initdb_log)));
  }

  // --- its own configuration ---
  {
    std::ofstream conf(data + "/postgresql.conf", std::ios::app);
    conf << "\n# --- hoop integration test ---\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << dir << "'\n"
         << "password_encryption = 'scram-sha-256'\n"
         << "ssl = off\n"
         << "fsync = off\n"
         << "synchronous_commit = off\n"
         << "full_page_writes = off\n"
         << "timezone = 'UTC'\n"
         << "lc_messages = 'C'\n";
    for (const std::string& line : options.settings) conf << line << "\n";
    std::ofstream hba(data + "/pg_hba.conf", std::ios::trunc);
    hba << "# TYPE DATABASE USER ADDRESS METHOD (written by hoop's PgServer)\n"
        << "local all " << options.superuser << " trust\n";
    for (const std::string& line : options.hba) hba << line << "\n";
    if (!conf || !hba)
      return absl::InternalError("cannot write the server's config");
  }
  if (run_as.change) {
    for (const char* f : {"/postgresql.conf", "/pg_hba.conf"}) {
      if (::chown((data + f).c_str(), run_as.uid, run_as.gid) != 0) {
        return absl::InternalError(Errno("chown config"));
      }
    }
  }

  // --- start, on a free port (retried if someone takes the port first) ---
  const std::string log = dir + "/server.log";
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreePort();
    if (port <= 0) return absl::InternalError(Errno("finding a free port"));
    absl::StatusOr<pid_t> pid =
        Spawn({options.bin_dir + "/postgres", "-D", data, "-k", dir, "-p",
               std::to_string(port), "-c", "listen_addresses=127.0.0.1"},
              ServerEnv(), log, dir, run_as);
    if (!pid.ok()) return pid.status();
    server->pid_ = *pid;
    server->port_ = port;

    const auto deadline =
        Clock::now() + std::chrono::seconds(options.start_timeout_seconds);
    bool exited = false;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(*pid, &status, WNOHANG) == *pid) {
        exited = true;
        server->pid_ = -1;
        last_error =
            "postgres " + DescribeExit(status) + ":\n" + Tail(ReadFile(log));
        break;
      }
      if (PidFileSaysReady(data) && CanConnect(port)) return server;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
      return absl::DeadlineExceededError(
          "postgres did not accept connections within " +
          std::to_string(options.start_timeout_seconds) + " s:\n" +
          Tail(ReadFile(log)));
    }
    if (last_error.find("could not bind") == std::string::npos &&
        last_error.find("could not create any TCP/IP sockets") ==
            std::string::npos) {
      break;  // not a port clash: retrying will not help
    }
  }
  return absl::InternalError(last_error);
}

PgServer::~PgServer() {
  (void)Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

absl::Status PgServer::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  const pid_t pid = pid_;
  pid_ = -1;
  // SIGINT: fast shutdown (disconnect clients, no checkpoint wait).
  ::kill(pid, SIGINT);
  int status = WaitFor(pid, std::chrono::seconds(30));
  if (status == -1) {
    ::kill(pid, SIGQUIT);  // immediate shutdown
    status = WaitFor(pid, std::chrono::seconds(5));
  }
  if (status == -1) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return absl::DeadlineExceededError("postgres did not stop; killed it");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PgServer::Psql(const std::string& sql,
                                           const std::string& database) {
  if (pid_ <= 0)
    return absl::FailedPreconditionError("the server is not running");
  static int counter = 0;
  const std::string base = dir_ + "/psql-" + std::to_string(++counter);
  {
    std::ofstream f(base + ".sql");
    f << sql << "\n";
    if (!f) return absl::InternalError("cannot write " + base + ".sql");
  }
  // psql runs as whoever we are: root may use the socket dir; otherwise we
  // own it. pg_hba lets the superuser in over the socket without a password.
  std::vector<std::string> env = ServerEnv();
  env.push_back("PGPASSFILE=" + dir_ + "/no-pgpass");
  absl::StatusOr<int> rc =
      Run({bin_dir_ + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir_,
           "-p", std::to_string(port_), "-U", superuser_, "-d", database, "-f",
           base + ".sql"},
          env, base + ".out", dir_, RunAs{}, std::chrono::seconds(60));
  if (!rc.ok()) return rc.status();
  std::string out = ReadFile(base + ".out");
  if (*rc != 0) {
    return absl::InternalError("psql " + DescribeExit(*rc) + ": " + Tail(out));
  }
  return out;
}

std::string PgServer::Log() const { return ReadFile(dir_ + "/server.log"); }

}  // namespace hoop::testing
