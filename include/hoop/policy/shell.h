// Copyright 2026 The hoop Authors.
//
// Shell command-line classification (SSH exec requests).
//
// An SSH exec request carries one string that the server's shell runs. A
// policy on commands must see every program that string runs, not its first
// word: `ls; rm -rf /`, `cat x | sh`, `echo $(reboot)`, `sudo -u root rm`,
// `env X=1 rm`, `sh -c 'rm -rf /'` all run rm/reboot/sh. ClassifyShell()
// splits the line like a POSIX shell (quotes, backslash escapes, $'..'),
// follows pipelines, `;`, `&&`, `||`, `&`, subshells, `$(...)`, backticks and
// process substitution, looks through wrappers (sudo, env, nice, nohup,
// timeout, xargs, exec, command, time, stdbuf, ionice, find -exec) and
// re-reads the script given to `sh -c` / `bash -c` / `eval`.
//
//   auto cmd = hoop::policy::ClassifyShell("cd /srv && sudo -u app rm -rf x");
//   // cmd.programs: {name "cd"}, {name "sudo"}, {name "rm", args ["-rf","x"]}
//
// A program whose name the text does not fix (`$CMD args`, `"$(which x)"`)
// cannot be matched by name: the result says `dynamic`, and a policy treats
// it as unknown, never as allowed by name.
//
// Thread safety: a pure function.

#ifndef HOOP_POLICY_SHELL_H_
#define HOOP_POLICY_SHELL_H_

#include <string>
#include <string_view>
#include <vector>

namespace hoop::policy {

struct ShellProgram {
  std::string name;               // basename of the program ("rm")
  std::string path;               // as written, unquoted ("/bin/rm")
  std::vector<std::string> args;  // unquoted arguments
  // The wrapper or construct it runs under: "" (top level), "sudo", "env",
  // "$()", "sh -c", "xargs", "find -exec", ...
  std::string via;
};

struct ShellCommand {
  std::vector<ShellProgram> programs;  // every one found; order not promised
  bool dynamic = false;       // some program's name comes from an expansion
  bool unterminated = false;  // an unclosed quote or substitution
  bool too_deep = false;      // nesting beyond the limit (treated as dynamic)
};

// Never fails. Nesting of sh -c / $(...) is followed to depth 8.
ShellCommand ClassifyShell(std::string_view command_line);

}  // namespace hoop::policy

#endif  // HOOP_POLICY_SHELL_H_
