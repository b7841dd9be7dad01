// Copyright 2026 The hoop Authors.

#include "tests/integration/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/time/clock.h"

namespace hoop::testing {

Child Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& base,
            const std::string& stdout_path) {
  Child c;
  c.out_path = stdout_path.empty() ? base + ".out" : stdout_path;
  c.err_path = base + ".err";
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls (the parent may have threads).
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The parent's environment with `env` on top (a later "K=" wins).
  std::vector<std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string v = *e;
    const std::string key = v.substr(0, v.find('=') + 1);
    bool overridden = false;
    for (const std::string& x : env) overridden |= x.rfind(key, 0) == 0;
    if (!overridden) vars.push_back(v);
  }
  vars.insert(vars.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (const std::string& v : vars)
    envp.push_back(const_cast<char*>(v.c_str()));
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out =
        ::open(c.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err =
        ::open(c.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  c.pid = pid;
  return c;
}

Ran Wait(const Child& c, absl::Duration timeout) {
  Ran r;
  const absl::Time until = absl::Now() + timeout;
  int status = 0;
  while (true) {
    const pid_t w = ::waitpid(c.pid, &status, WNOHANG);
    if (w == c.pid) break;
    if (w < 0 && errno != EINTR) break;
    if (absl::Now() >= until) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      r.err = "(timed out) ";
      status = -1;
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = ReadFile(c.out_path);
  r.err += ReadFile(c.err_path);
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace hoop::testing
