// Copyright 2026 The hoop Authors.
//
// Child processes for integration tests that drive real clients (psql,
// pgbench, psycopg, hoopctl, the gateway): start one with its output in
// files, wait for it with a timeout (SIGKILL after it), read what it wrote.
//
//   Child c = Spawn({"/usr/bin/psql", "-c", "SELECT 1"}, {"PGPASSWORD=x"},
//                   dir + "/psql-1");          // psql-1.out, psql-1.err
//   Ran r = Wait(c, absl::Seconds(30));        // r.exit_code, r.out, r.err
//
// Not thread-safe with respect to the environment: the child sets its extra
// variables after fork, so the parent's environment never changes.

#ifndef HOOP_TESTS_INTEGRATION_CHILD_PROCESS_H_
#define HOOP_TESTS_INTEGRATION_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace hoop::testing {

// A started child and where its stdout and stderr go.
struct Child {
  pid_t pid = -1;
  std::string out_path, err_path;
};

// What a child did: its exit code (-1: killed by a signal or timed out)
// and everything it wrote.
struct Ran {
  int exit_code = -1;
  std::string out, err;
};

// Starts argv (argv[0] a path, no PATH search) with extra environment
// entries ("K=V"), stdin from /dev/null, stdout to <base>.out (or to
// `stdout_path` if not empty) and stderr to <base>.err.
Child Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& base,
            const std::string& stdout_path = "");

// Waits for `c` to exit; after `timeout` kills it (SIGKILL), and the result
// says "(timed out)" first in `err`.
Ran Wait(const Child& c, absl::Duration timeout);

// The whole file ("" if it cannot be read).
std::string ReadFile(const std::string& path);

}  // namespace hoop::testing

#endif  // HOOP_TESTS_INTEGRATION_CHILD_PROCESS_H_
