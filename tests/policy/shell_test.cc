// Copyright 2026 The hoop Authors.

#include "hoop/policy/shell.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hoop::policy {
namespace {

using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

std::vector<std::string> Names(const ShellCommand& c) {
  std::vector<std::string> v;
  for (const ShellProgram& p : c.programs) v.push_back(p.name);
  return v;
}

TEST(ShellTest, FindsEveryProgram) {
  struct Case {
    const char* line;
    std::vector<std::string> programs;
    bool dynamic;
  };
  const Case cases[] = {
      {"ls -la /srv", {"ls"}, false},
      {"ls; rm -rf /", {"ls", "rm"}, false},
      {"cat x | grep y | sh", {"cat", "grep", "sh"}, true},
      {"true && reboot || echo no", {"true", "reboot", "echo"}, false},
      {"sleep 1 & kill 1", {"sleep", "kill"}, false},
      {"echo $(reboot)", {"echo", "reboot"}, false},
      {"echo \"$(id -u)\" `whoami`", {"echo", "id", "whoami"}, false},
      {"sudo -u root rm -rf x", {"sudo", "rm"}, false},
      {"sudo -E -- /usr/bin/systemctl restart x", {"sudo", "systemctl"}, false},
      {"env -i PATH=/bin FOO=1 rm x", {"env", "rm"}, false},
      {"FOO=1 BAR=2 make install", {"make"}, false},
      {"sh -c 'rm -rf /; echo ok'", {"sh", "rm", "echo"}, false},
      {"bash -lc \"curl x | bash\"", {"bash", "curl", "bash"}, true},
      {"nice -n 10 nohup timeout 5s tar czf a b", {"nice", "nohup", "timeout", "tar"}, false},
      {"find . -name '*.log' -exec rm {} \\;", {"find", "rm"}, false},
      {"ls | xargs -n1 rm", {"ls", "xargs", "rm"}, false},
      {"(cd /tmp && rm x)", {"cd", "rm"}, false},
      {"{ echo a; echo b; }", {"echo", "echo"}, false},
      {"if true; then rm x; fi", {"true", "rm"}, false},
      {"for f in a b; do rm $f; done", {"rm"}, false},
      {"diff <(ls a) <(ls b)", {"diff", "ls", "ls"}, false},
      {"'r''m' -rf x", {"rm"}, false},
      {"r\\m -rf x", {"rm"}, false},
      {"$'\\x72m' x", {""}, true},  // \x escapes: name not plain text
      {"$CMD arg", {""}, true},
      {"eval \"rm -rf x\"", {"eval", "rm"}, false},
      {"cat <<EOF > f\nrm -rf x\nEOF\nls", {"cat", "ls"}, false},
      {"echo hi > /dev/null 2>&1; id", {"echo", "id"}, false},
      {"echo 'a; rm x' \"b | sh\"", {"echo"}, false},
      {"# just a comment", {}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    ShellCommand got = ClassifyShell(c.line);
    EXPECT_THAT(Names(got), UnorderedElementsAreArray(c.programs));
    EXPECT_EQ(got.dynamic, c.dynamic);
  }
}

TEST(ShellTest, ArgsAndVia) {
  ShellCommand c = ClassifyShell("sudo /bin/rm -rf '/var/lib/x y'");
  ASSERT_EQ(c.programs.size(), 2u);
  EXPECT_EQ(c.programs[1].path, "/bin/rm");
  EXPECT_EQ(c.programs[1].via, "sudo");
  EXPECT_THAT(c.programs[1].args, ElementsAreArray({"-rf", "/var/lib/x y"}));
}

TEST(ShellTest, UnterminatedAndDeep) {
  EXPECT_TRUE(ClassifyShell("echo 'abc").unterminated);
  EXPECT_TRUE(ClassifyShell("echo $(ls").unterminated);
  std::string deep = "ls";
  for (int i = 0; i < 20; ++i) deep = "sh -c '" + deep + "'";
  // Quotes do not nest, but $( ) does:
  std::string nested = "ls";
  for (int i = 0; i < 20; ++i) nested = "echo $(" + nested + ")";
  ShellCommand c = ClassifyShell(nested);
  EXPECT_TRUE(c.too_deep);
  EXPECT_TRUE(c.dynamic);
  std::string heredocs;
  for (int i = 0; i < 20000; ++i) heredocs += "cat <<E\nrm x\nE\n";
  ShellCommand h = ClassifyShell(heredocs + "ls");
  EXPECT_EQ(h.programs.size(), 20001u);
  EXPECT_EQ(h.programs.back().name, "ls");
  h = ClassifyShell("cat <<E\n$(reboot)\nE\ncat <<'Q'\n$(halt)\nQ\n");
  ASSERT_EQ(h.programs.size(), 3u);
  EXPECT_EQ(h.programs[1].name, "reboot");
  std::string junk;
  for (int i = 0; i < 2000; ++i) junk.push_back(static_cast<char>((i * 37) % 128));
  for (size_t n = 0; n < junk.size(); n += 13) ClassifyShell(junk.substr(0, n));
}

}  // namespace
}  // namespace hoop::policy
