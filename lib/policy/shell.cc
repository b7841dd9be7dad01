// Copyright 2026 The hoop Authors.

#include "hoop/policy/shell.h"

#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace hoop::policy {
namespace {

constexpr int kMaxDepth = 8;

struct Word {
  std::string text;      // unquoted
  bool dynamic = false;  // contains an unquoted/double-quoted expansion
  bool assignment = false;
};

// One simple command: its words, then what separates it from the next.
struct Simple {
  std::vector<Word> words;
};

class Parser {
 public:
  Parser(std::string_view s, int depth, std::string via, ShellCommand* out)
      : s_(s), depth_(depth), via_(std::move(via)), out_(out) {}

  void Run() {
    if (depth_ > kMaxDepth) {
      out_->too_deep = true;
      out_->dynamic = true;
      return;
    }
    Simple cur;
    size_t i = 0;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == ' ' || c == '\t') {
        ++i;
        continue;
      }
      if (c == '#' ) {  // a comment runs to the end of the line
        while (i < s_.size() && s_[i] != '\n') ++i;
        continue;
      }
      if (c == '\n' || c == ';' || c == '|' || c == '&' || c == '(' ||
          c == ')') {
        // <(...) and >(...) are handled in ReadWord; here: separators.
        Flush(&cur);
        ++i;
        if (c == '\n' && !heredocs_.empty()) i = SkipHeredocBodies(i);
        continue;
      }
      if ((c == '<' || c == '>') && !(i + 1 < s_.size() && s_[i + 1] == '(')) {
        i = SkipRedirect(i);
        continue;
      }
      if (c >= '0' && c <= '9') {
        size_t j = i;
        while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
        if (j < s_.size() && (s_[j] == '<' || s_[j] == '>')) {
          i = SkipRedirect(j);
          continue;
        }
      }
      Word w;
      i = ReadWord(i, &w);
      cur.words.push_back(std::move(w));
    }
    Flush(&cur);
  }

 private:
  // Skips a redirection operator and its target word (expansions in the
  // target still run, so they are read).
  size_t SkipRedirect(size_t i) {
    if (s_.compare(i, 2, "<<") == 0 && s_.compare(i, 3, "<<<") != 0) {
      // Here-document: remember the delimiter; the body starts after the
      // next newline and is skipped there (Run()).
      i += 2;
      bool strip_tabs = false;
      if (i < s_.size() && s_[i] == '-') {
        strip_tabs = true;
        ++i;
      }
      while (i < s_.size() && (s_[i] == ' ' || s_[i] == '\t')) ++i;
      Word delim;
      size_t start = i;
      i = ReadWord(i, &delim);
      const bool quoted = s_.substr(start, i - start).find_first_of("'\"\\") !=
                          std::string_view::npos;
      heredocs_.push_back(Heredoc{delim.text, quoted, strip_tabs});
      return i;
    }
    while (i < s_.size() && (s_[i] == '<' || s_[i] == '>' || s_[i] == '&' ||
                             s_[i] == '|')) {
      ++i;
    }
    while (i < s_.size() && (s_[i] == ' ' || s_[i] == '\t')) ++i;
    if (i < s_.size() && s_[i] != '\n' && s_[i] != ';' && s_[i] != '|' &&
        s_[i] != '&') {
      Word target;
      i = ReadWord(i, &target);
    }
    return i;
  }

  // Skips the bodies of the pending here-documents, starting at i (just
  // after a newline). An unquoted delimiter's body still expands $(...) and
  // backticks, so those are read as commands.
  size_t SkipHeredocBodies(size_t i) {
    for (const Heredoc& h : heredocs_) {
      for (;;) {
        if (i >= s_.size()) {
          out_->unterminated = true;
          heredocs_.clear();
          return s_.size();
        }
        size_t e = s_.find('\n', i);
        if (e == std::string_view::npos) e = s_.size();
        std::string_view line = s_.substr(i, e - i);
        i = e < s_.size() ? e + 1 : e;
        std::string_view cmp = line;
        if (h.strip_tabs) {
          while (!cmp.empty() && cmp.front() == '\t') cmp.remove_prefix(1);
        }
        if (cmp == h.delimiter) break;
        if (!h.quoted && (line.find("$(") != std::string_view::npos ||
                          line.find('`') != std::string_view::npos)) {
          ShellCommand* out = out_;
          Parser body(line, depth_ + 1, "<<", out);
          body.SubstitutionsOnly();
        }
      }
    }
    heredocs_.clear();
    return i;
  }

  // Reads the text as one word per run: only its substitutions run.
  void SubstitutionsOnly() {
    if (depth_ > kMaxDepth) {
      out_->too_deep = true;
      out_->dynamic = true;
      return;
    }
    size_t i = 0;
    while (i < s_.size()) {
      Word w;
      size_t next = ReadWord(i, &w);
      i = next > i ? next : i + 1;
    }
  }

  // Reads one word starting at i; runs nested substitutions as it goes.
  size_t ReadWord(size_t i, Word* w) {
    const size_t n = s_.size();
    bool seen_eq_candidate = true;  // NAME= prefix so far
    size_t name_len = 0;
    while (i < n) {
      char c = s_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' ||
          c == '|' || c == ')' ||
          ((c == '<' || c == '>') && !(i + 1 < n && s_[i + 1] == '('))) {
        break;
      }
      if (c == '(' ) {
        // Not a substitution: a separator (subshell) unless in a word.
        if (w->text.empty()) break;
        w->text.push_back(c);
        ++i;
        continue;
      }
      if (seen_eq_candidate) {
        if (c == '=' && name_len > 0) {
          w->assignment = true;
          seen_eq_candidate = false;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   c == '_' || (name_len > 0 && c >= '0' && c <= '9')) {
          ++name_len;
        } else {
          seen_eq_candidate = false;
        }
      }
      if (c == '\\') {
        if (i + 1 < n) {
          if (s_[i + 1] != '\n') w->text.push_back(s_[i + 1]);
          i += 2;
        } else {
          ++i;
        }
        continue;
      }
      if (c == '\'') {
        size_t e = s_.find('\'', i + 1);
        if (e == std::string_view::npos) {
          out_->unterminated = true;
          w->text.append(s_.substr(i + 1));
          return n;
        }
        w->text.append(s_.substr(i + 1, e - i - 1));
        i = e + 1;
        continue;
      }
      if (c == '$' && i + 1 < n && s_[i + 1] == '\'') {
        i = ReadAnsiC(i + 2, w);
        continue;
      }
      if (c == '"') {
        i = ReadDoubleQuoted(i + 1, w);
        continue;
      }
      if (c == '`') {
        i = Backticks(i + 1);
        w->dynamic = true;
        continue;
      }
      if ((c == '<' || c == '>') && i + 1 < n && s_[i + 1] == '(') {
        i = Substitution(i + 2, "<()");
        w->dynamic = true;
        continue;
      }
      if (c == '$') {
        i = Dollar(i, w);
        continue;
      }
      w->text.push_back(c);
      ++i;
    }
    return i;
  }

  size_t ReadAnsiC(size_t i, Word* w) {
    const size_t n = s_.size();
    while (i < n && s_[i] != '\'') {
      if (s_[i] == '\\' && i + 1 < n) {
        char e = s_[i + 1];
        switch (e) {
          case 'n': w->text.push_back('\n'); break;
          case 't': w->text.push_back('\t'); break;
          case '\\': w->text.push_back('\\'); break;
          case '\'': w->text.push_back('\''); break;
          default:
            // \xHH, octal and others: the program name is not plain text.
            w->dynamic = true;
            w->text.push_back(e);
        }
        i += 2;
        continue;
      }
      w->text.push_back(s_[i++]);
    }
    if (i >= n) {
      out_->unterminated = true;
      return n;
    }
    return i + 1;
  }

  size_t ReadDoubleQuoted(size_t i, Word* w) {
    const size_t n = s_.size();
    while (i < n && s_[i] != '"') {
      char c = s_[i];
      if (c == '\\' && i + 1 < n) {
        char e = s_[i + 1];
        if (e == '$' || e == '`' || e == '"' || e == '\\') {
          w->text.push_back(e);
        } else if (e != '\n') {
          w->text.push_back('\\');
          w->text.push_back(e);
        }
        i += 2;
        continue;
      }
      if (c == '`') {
        i = Backticks(i + 1);
        w->dynamic = true;
        continue;
      }
      if (c == '$') {
        i = Dollar(i, w);
        continue;
      }
      w->text.push_back(c);
      ++i;
    }
    if (i >= n) {
      out_->unterminated = true;
      return n;
    }
    return i + 1;
  }

  // $name, ${...}, $(...), $((...)) at i (s_[i] == '$').
  size_t Dollar(size_t i, Word* w) {
    const size_t n = s_.size();
    if (i + 1 >= n) {
      w->text.push_back('$');
      return i + 1;
    }
    char c = s_[i + 1];
    if (c == '(' && i + 2 < n && s_[i + 2] == '(') {
      // Arithmetic: may itself hold $(...).
      size_t j = MatchParens(i + 1);
      std::string_view inner = s_.substr(i + 3, j > i + 3 ? j - i - 3 : 0);
      if (inner.find("$(") != std::string_view::npos ||
          inner.find('`') != std::string_view::npos) {
        Parser(std::string("echo ") + std::string(inner), depth_ + 1, "$(())",
               out_).Run();
      }
      w->dynamic = true;
      return j;
    }
    if (c == '(') {
      w->dynamic = true;
      return Substitution(i + 2, "$()");
    }
    if (c == '{') {
      size_t j = i + 2;
      int depth = 1;
      while (j < n && depth > 0) {
        if (s_[j] == '{') ++depth;
        if (s_[j] == '}') --depth;
        ++j;
      }
      std::string_view inner = s_.substr(i + 2, j - i - 2);
      if (inner.find("$(") != std::string_view::npos ||
          inner.find('`') != std::string_view::npos) {
        Parser(std::string("echo ") + std::string(inner), depth_ + 1, "${}",
               out_).Run();
      }
      if (depth > 0) out_->unterminated = true;
      w->dynamic = true;
      return j;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
      size_t j = i + 1;
      while (j < n && ((s_[j] >= 'a' && s_[j] <= 'z') ||
                       (s_[j] >= 'A' && s_[j] <= 'Z') || s_[j] == '_' ||
                       (s_[j] >= '0' && s_[j] <= '9'))) {
        ++j;
      }
      w->dynamic = true;
      return j;
    }
    if ((c >= '0' && c <= '9') || c == '@' || c == '*' || c == '#' ||
        c == '?' || c == '-' || c == '$' || c == '!') {
      w->dynamic = true;
      return i + 2;
    }
    w->text.push_back('$');
    return i + 1;
  }

  // Index just past the ')' matching the '(' at i.
  size_t MatchParens(size_t i) const {
    const size_t n = s_.size();
    int depth = 0;
    for (size_t j = i; j < n; ++j) {
      char c = s_[j];
      if (c == '\\') {
        ++j;
        continue;
      }
      if (c == '\'') {
        size_t e = s_.find('\'', j + 1);
        if (e == std::string_view::npos) return n;
        j = e;
        continue;
      }
      if (c == '"') {
        size_t k = j + 1;
        while (k < n && s_[k] != '"') {
          if (s_[k] == '\\') ++k;
          ++k;
        }
        j = k;
        continue;
      }
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return j + 1;
    }
    return n;
  }

  // $( ... ) or <( ... ): i is just after the '('.
  size_t Substitution(size_t i, const char* via) {
    size_t end = MatchParens(i - 1);
    if (end > s_.size() || end == s_.size()) {
      if (end == s_.size() && (s_.empty() || s_.back() != ')')) {
        out_->unterminated = true;
      }
    }
    size_t inner_end = end > i && end <= s_.size() && s_[end - 1] == ')' ? end - 1 : end;
    Parser(s_.substr(i, inner_end - i), depth_ + 1, via, out_).Run();
    return end;
  }

  size_t Backticks(size_t i) {
    std::string inner;
    const size_t n = s_.size();
    while (i < n && s_[i] != '`') {
      if (s_[i] == '\\' && i + 1 < n) {
        inner.push_back(s_[i + 1]);
        i += 2;
        continue;
      }
      inner.push_back(s_[i++]);
    }
    if (i >= n) out_->unterminated = true;
    Parser(inner, depth_ + 1, "``", out_).Run();
    return i < n ? i + 1 : n;
  }

  static std::string Basename(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }

  static bool IsKeyword(const std::string& w) {
    static constexpr const char* kWords[] = {
        "if", "then", "else", "elif", "fi", "do", "done", "while", "until",
        "{", "}", "!", "function", "esac", "[[", "]]", "coproc"};
    for (const char* k : kWords)
      if (w == k) return true;
    return false;
  }

  void Flush(Simple* cur) {
    std::vector<Word> words = std::move(cur->words);
    cur->words.clear();
    Command(words, 0, via_);
  }

  // Records the program at words[i] and looks through wrappers.
  void Command(const std::vector<Word>& words, size_t i, const std::string& via) {
    // Leading keywords and assignments.
    while (i < words.size()) {
      const Word& w = words[i];
      if (w.assignment || (!w.dynamic && IsKeyword(w.text))) {
        ++i;
        continue;
      }
      break;
    }
    if (i >= words.size()) return;
    const Word& first = words[i];
    if (!first.dynamic && (first.text == "for" || first.text == "case" ||
                           first.text == "select")) {
      return;  // "for x in a b": the list is data; the body follows ';'
    }
    if (first.dynamic) {
      out_->dynamic = true;
      ShellProgram p;
      p.path = first.text;
      p.name = "";
      p.via = via;
      for (size_t k = i + 1; k < words.size(); ++k) p.args.push_back(words[k].text);
      out_->programs.push_back(std::move(p));
      return;
    }
    ShellProgram p;
    p.path = first.text;
    p.name = Basename(first.text);
    p.via = via;
    for (size_t k = i + 1; k < words.size(); ++k) p.args.push_back(words[k].text);
    const std::string name = p.name;
    out_->programs.push_back(std::move(p));
    Wrapper(name, words, i + 1);
  }

  void Wrapper(const std::string& name, const std::vector<Word>& words, size_t i) {
    auto is_opt = [&](size_t k) {
      return k < words.size() && !words[k].text.empty() && words[k].text[0] == '-';
    };
    if (name == "sudo" || name == "doas") {
      while (is_opt(i)) {
        const std::string& o = words[i].text;
        ++i;
        if (o == "--") break;
        // Options that take an argument.
        if (o == "-u" || o == "-g" || o == "-h" || o == "-C" || o == "-D" ||
            o == "-p" || o == "-r" || o == "-t" || o == "-U" || o == "-T" ||
            o == "--user" || o == "--group" || o == "--host" ||
            o == "--prompt" || o == "--role" || o == "--type" ||
            o == "--other-user" || o == "--close-from" || o == "--chdir") {
          ++i;
        }
      }
      Command(words, i, name);
      return;
    }
    if (name == "env") {
      while (i < words.size()) {
        const std::string& o = words[i].text;
        if (o == "-u" || o == "--unset" || o == "-C" || o == "--chdir" ||
            o == "-S" || o == "--split-string") {
          if (o == "-S" || o == "--split-string") {
            if (i + 1 < words.size()) {
              Parser(words[i + 1].text, depth_ + 1, "env -S", out_).Run();
            }
            return;
          }
          i += 2;
          continue;
        }
        if (!o.empty() && o[0] == '-') {
          ++i;
          continue;
        }
        if (words[i].assignment || o.find('=') != std::string::npos) {
          ++i;
          continue;
        }
        break;
      }
      Command(words, i, "env");
      return;
    }
    if (name == "nice" || name == "ionice" || name == "stdbuf" ||
        name == "chrt" || name == "taskset") {
      while (is_opt(i)) {
        const std::string& o = words[i].text;
        ++i;
        if ((o == "-n" || o == "-c" || o == "-p" || o == "-i" || o == "-o" ||
             o == "-e") && i < words.size()) {
          ++i;
        }
      }
      if ((name == "chrt" || name == "taskset") && i < words.size()) ++i;
      Command(words, i, name);
      return;
    }
    if (name == "nohup" || name == "exec" || name == "command" ||
        name == "builtin" || name == "time" || name == "unbuffer" ||
        name == "setsid" || name == "strace" || name == "ltrace") {
      while (is_opt(i)) ++i;
      Command(words, i, name);
      return;
    }
    if (name == "timeout") {
      while (is_opt(i)) {
        const std::string& o = words[i].text;
        ++i;
        if ((o == "-s" || o == "-k" || o == "--signal" || o == "--kill-after") &&
            i < words.size()) {
          ++i;
        }
      }
      if (i < words.size()) ++i;  // the duration
      Command(words, i, "timeout");
      return;
    }
    if (name == "xargs") {
      while (is_opt(i)) {
        const std::string& o = words[i].text;
        ++i;
        if ((o == "-I" || o == "-n" || o == "-P" || o == "-L" || o == "-s" ||
             o == "-d" || o == "-E" || o == "-a") &&
            i < words.size()) {
          ++i;
        }
      }
      if (i >= words.size()) {
        ShellProgram echo;
        echo.name = echo.path = "echo";
        echo.via = "xargs";
        out_->programs.push_back(std::move(echo));
        return;
      }
      Command(words, i, "xargs");
      return;
    }
    if (name == "find") {
      for (size_t k = i; k < words.size(); ++k) {
        const std::string& o = words[k].text;
        if (o == "-exec" || o == "-execdir" || o == "-ok" || o == "-okdir") {
          std::vector<Word> sub;
          size_t m = k + 1;
          for (; m < words.size(); ++m) {
            if (words[m].text == ";" || words[m].text == "+") break;
            sub.push_back(words[m]);
          }
          Command(sub, 0, "find -exec");
          k = m;
        }
      }
      return;
    }
    if (name == "sh" || name == "bash" || name == "dash" || name == "zsh" ||
        name == "ksh" || name == "ash" || name == "busybox" || name == "su" ||
        name == "runuser") {
      size_t k = i;
      if (name == "busybox") {
        if (k < words.size() && (words[k].text == "sh" || words[k].text == "ash")) {
          ++k;
        } else {
          Command(words, k, "busybox");
          return;
        }
      }
      for (; k < words.size(); ++k) {
        const std::string& o = words[k].text;
        if (o.size() >= 2 && o[0] == '-' && o[1] != '-' &&
            o.find('c') != std::string::npos) {
          if (k + 1 < words.size()) {
            if (words[k + 1].dynamic) out_->dynamic = true;
            Parser(words[k + 1].text, depth_ + 1, name + " -c", out_).Run();
          }
          return;
        }
        if (o == "--command" && k + 1 < words.size()) {
          Parser(words[k + 1].text, depth_ + 1, name + " -c", out_).Run();
          return;
        }
      }
      // `sh script` runs a file; `sh` alone reads stdin: what runs is data.
      if (name == "sh" || name == "bash" || name == "dash" || name == "zsh" ||
          name == "ksh" || name == "ash") {
        out_->dynamic = true;
      }
      return;
    }
    if (name == "eval" || name == "source" || name == ".") {
      if (name != "eval") {
        out_->dynamic = true;
        return;
      }
      std::string script;
      for (size_t k = i; k < words.size(); ++k) {
        if (words[k].dynamic) out_->dynamic = true;
        if (!script.empty()) script.push_back(' ');
        script += words[k].text;
      }
      Parser(script, depth_ + 1, "eval", out_).Run();
      return;
    }
  }

  struct Heredoc {
    std::string delimiter;
    bool quoted;
    bool strip_tabs;
  };

  std::string_view s_;
  int depth_;
  std::string via_;
  ShellCommand* out_;
  std::vector<Heredoc> heredocs_;
};

}  // namespace

ShellCommand ClassifyShell(std::string_view command_line) {
  ShellCommand out;
  Parser(command_line, 0, "", &out).Run();
  return out;
}

}  // namespace hoop::policy
