// Copyright 2026 The hoop Authors.

#include "policy/internal/sql_lexer.h"

#include <algorithm>
#include <cstring>

namespace hoop::policy::internal {
namespace {

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
bool IsIdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}
bool IsIdentChar(unsigned char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

bool EqualsUpper(std::string_view text, const char* upper) {
  size_t n = std::strlen(upper);
  if (text.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

class Lexer {
 public:
  Lexer(std::string_view s, SqlDialect d, bool other_escapes)
      : s_(s),
        n_(s.size()),
        pg_(d == SqlDialect::kPostgres),
        // Backslash escapes in plain '...' strings: MySQL's default, and
        // PostgreSQL's with standard_conforming_strings = off.
        plain_backslash_(pg_ ? other_escapes : !other_escapes) {}

  std::vector<LexedStatement> Run() {
    size_t i = 0;
    while (i < n_) {
      const unsigned char c = s_[i];
      if (IsSpace(c)) {
        ++i;
        continue;
      }
      if (in_exec_comment_ && c == '*' && At(i + 1) == '/') {
        i += 2;
        in_exec_comment_ = false;
        continue;
      }
      if (c == '-' && At(i + 1) == '-' &&
          (pg_ || i + 2 >= n_ || IsSpace(At(i + 2)) || At(i + 2) < 0x20)) {
        StartAt(i);
        while (i < n_ && s_[i] != '\n') ++i;
        continue;
      }
      if (!pg_ && c == '#') {
        StartAt(i);
        while (i < n_ && s_[i] != '\n') ++i;
        continue;
      }
      if (c == '/' && At(i + 1) == '*') {
        StartAt(i);
        if (!pg_ && At(i + 2) == '!' && !in_exec_comment_) {
          // MySQL executable comment: its content is code the server runs.
          in_exec_comment_ = true;
          cur_.executable_comment = true;
          i += 3;
          while (i < n_ && IsDigit(s_[i])) ++i;
          continue;
        }
        i = SkipBlockComment(i);
        continue;
      }
      if (c == ';' && depth_ <= 0) {
        ResolvePendingEnd(false);
        if (block_ == 0) {
          Finish();
          ++i;
          continue;
        }
      }
      i = LexToken(i);
    }
    Finish();
    return std::move(out_);
  }

 private:
  unsigned char At(size_t i) const {
    return i < n_ ? static_cast<unsigned char>(s_[i]) : 0;
  }

  void StartAt(size_t pos) {
    if (!started_) {
      cur_.begin = static_cast<uint32_t>(pos);
      started_ = true;
    }
  }

  void Push(TokKind k, size_t b, size_t e) {
    StartAt(b);
    cur_.tokens.push_back(Token{
        k, static_cast<uint16_t>(std::min(std::max(depth_, 0), 65535)),
        static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    cur_.end = static_cast<uint32_t>(e);
  }

  void Finish() {
    if (!cur_.tokens.empty()) out_.push_back(std::move(cur_));
    cur_ = LexedStatement();
    started_ = false;
    depth_ = 0;
    block_ = 0;
    pending_end_ = false;
    stmt_is_create_ = false;
  }

  size_t SkipBlockComment(size_t i) {
    size_t j = i + 2;
    int nest = 1;
    while (j < n_) {
      if (pg_ && s_[j] == '/' && At(j + 1) == '*') {
        ++nest;
        j += 2;
      } else if (s_[j] == '*' && At(j + 1) == '/') {
        j += 2;
        if (--nest == 0) return j;
      } else {
        ++j;
      }
    }
    cur_.unterminated = true;
    return n_;
  }

  // A quoted run starting at the quote character s_[q]. `backslash` makes
  // backslash escape the next byte; a doubled quote is always one quote.
  size_t SkipQuoted(size_t q, char quote, bool backslash) {
    size_t j = q + 1;
    while (j < n_) {
      char c = s_[j];
      if (backslash && c == '\\') {
        j += 2;
        continue;
      }
      if (c == quote) {
        if (At(j + 1) == static_cast<unsigned char>(quote)) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    cur_.unterminated = true;
    return n_;
  }

  // The tokens that open and close procedure bodies, in which ';' does not
  // end the statement: PostgreSQL's BEGIN ATOMIC ... END and MySQL's
  // compound statements in CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT.
  void TrackBlocks(size_t b, size_t e) {
    std::string_view w = s_.substr(b, e - b);
    const bool loop_word = EqualsUpper(w, "IF") || EqualsUpper(w, "LOOP") ||
                           EqualsUpper(w, "WHILE") ||
                           EqualsUpper(w, "REPEAT");
    ResolvePendingEnd(loop_word);
    if (cur_.tokens.size() == 1) {
      stmt_is_create_ = EqualsUpper(w, "CREATE");
      return;
    }
    if (!stmt_is_create_) return;
    if (pg_) {
      if (EqualsUpper(w, "ATOMIC") && cur_.tokens.size() >= 2) {
        const Token& prev = cur_.tokens[cur_.tokens.size() - 2];
        if (EqualsUpper(s_.substr(prev.begin, prev.end - prev.begin),
                        "BEGIN")) {
          ++block_;
        }
      } else if (block_ > 0 && EqualsUpper(w, "CASE")) {
        ++block_;
      } else if (block_ > 0 && EqualsUpper(w, "END")) {
        --block_;
      }
      return;
    }
    if (EqualsUpper(w, "BEGIN")) {
      ++block_;
    } else if (block_ > 0 && EqualsUpper(w, "CASE")) {
      ++block_;
    } else if (block_ > 0 && EqualsUpper(w, "END")) {
      pending_end_ = true;  // END IF / END LOOP ... do not close a block
    }
  }

  void ResolvePendingEnd(bool next_is_loop_word) {
    if (!pending_end_) return;
    pending_end_ = false;
    if (!next_is_loop_word && block_ > 0) --block_;
  }

  size_t LexToken(size_t i) {
    const unsigned char c = s_[i];
    if (c != ';' && pending_end_ && !IsIdentStart(c)) ResolvePendingEnd(false);
    switch (c) {
      case '(':
        Push(TokKind::kLParen, i, i + 1);
        ++depth_;
        return i + 1;
      case ')':
        if (depth_ > 0) --depth_;
        Push(TokKind::kRParen, i, i + 1);
        return i + 1;
      case ',':
        Push(TokKind::kComma, i, i + 1);
        return i + 1;
      case '.':
        if (IsDigit(At(i + 1))) return LexNumber(i);
        Push(TokKind::kDot, i, i + 1);
        return i + 1;
      case '\'': {
        size_t e = SkipQuoted(i, '\'', plain_backslash_);
        Push(TokKind::kString, i, e);
        return e;
      }
      case '"': {
        size_t e = SkipQuoted(i, '"', !pg_ && plain_backslash_);
        Push(pg_ ? TokKind::kQuotedIdent : TokKind::kString, i, e);
        return e;
      }
      case '`':
        if (!pg_) {
          size_t e = SkipQuoted(i, '`', false);
          Push(TokKind::kQuotedIdent, i, e);
          return e;
        }
        break;
      case '$':
        if (pg_) return LexDollar(i);
        break;
      case '?':
        if (!pg_) {
          Push(TokKind::kParam, i, i + 1);
          return i + 1;
        }
        break;
      case '@':
        if (!pg_) {
          size_t j = i + 1;
          while (j < n_ && (IsIdentChar(s_[j]) || s_[j] == '@' ||
                            s_[j] == '.')) {
            ++j;
          }
          Push(TokKind::kParam, i, j);
          return j;
        }
        break;
      case ':':
        if (At(i + 1) == ':') {
          Push(TokKind::kOp, i, i + 2);
          return i + 2;
        }
        break;
      case '[':
      case ']':
      case ';':
        Push(TokKind::kOther, i, i + 1);
        return i + 1;
      default:
        break;
    }
    if (IsDigit(c)) return LexNumber(i);
    if (IsIdentStart(c) || (!pg_ && c == '$')) return LexWord(i);
    Push(TokKind::kOp, i, i + 1);
    return i + 1;
  }

  size_t LexNumber(size_t i) {
    size_t j = i;
    while (j < n_) {
      unsigned char ch = s_[j];
      if (IsDigit(ch) || ch == '.' || ch == '_' || (ch >= 'a' && ch <= 'z') ||
          (ch >= 'A' && ch <= 'Z')) {
        // "1.e+5": a sign right after an exponent letter.
        if ((ch == 'e' || ch == 'E') && (At(j + 1) == '+' || At(j + 1) == '-'))
          ++j;
        ++j;
        continue;
      }
      break;
    }
    // MySQL identifiers may start with digits ("1abc"), not with '.'.
    if (!pg_ && IsDigit(At(i)) && j < n_ && IsIdentStart(At(j))) return LexWord(i);
    Push(TokKind::kNumber, i, j);
    return j;
  }

  size_t LexDollar(size_t i) {
    if (IsDigit(At(i + 1))) {
      size_t j = i + 1;
      while (j < n_ && IsDigit(s_[j])) ++j;
      Push(TokKind::kParam, i, j);
      return j;
    }
    size_t j = i + 1;
    if (j < n_ && IsIdentStart(s_[j])) {
      while (j < n_ && IsIdentChar(s_[j]) && s_[j] != '$') ++j;
    }
    if (At(j) != '$') {
      Push(TokKind::kOp, i, i + 1);
      return i + 1;
    }
    std::string_view tag = s_.substr(i, j + 1 - i);
    size_t close = s_.find(tag, j + 1);
    if (close == std::string_view::npos) {
      cur_.unterminated = true;
      Push(TokKind::kString, i, n_);
      return n_;
    }
    Push(TokKind::kString, i, close + tag.size());
    return close + tag.size();
  }

  size_t LexWord(size_t i) {
    size_t j = i;
    while (j < n_ && IsIdentChar(s_[j])) ++j;
    if (j == i) j = i + 1;  // always make progress
    std::string_view w = s_.substr(i, j - i);
    const unsigned char next = At(j);
    // Prefixed literals: E'..', B'..', X'..', N'..', U&'..', U&"..", and
    // MySQL's _charset'..'.
    if (next == '\'') {
      const bool e_string = pg_ && (w == "E" || w == "e");
      const bool other = w.size() == 1 && std::strchr("bBxXnN", w[0]) != nullptr;
      const bool charset = !pg_ && w.size() > 1 && w[0] == '_';
      if (e_string || other || charset) {
        size_t e = SkipQuoted(j, '\'', e_string || plain_backslash_);
        Push(TokKind::kString, i, e);
        return e;
      }
    }
    if (pg_ && (w == "U" || w == "u") && next == '&' &&
        (At(j + 1) == '\'' || At(j + 1) == '"')) {
      const char q = static_cast<char>(At(j + 1));
      size_t e = SkipQuoted(j + 1, q, false);
      Push(q == '\'' ? TokKind::kString : TokKind::kQuotedIdent, i, e);
      return e;
    }
    Push(TokKind::kWord, i, j);
    TrackBlocks(i, j);
    return j;
  }

  std::string_view s_;
  size_t n_;
  bool pg_;
  bool plain_backslash_;
  std::vector<LexedStatement> out_;
  LexedStatement cur_;
  bool started_ = false;
  int depth_ = 0;
  int block_ = 0;
  bool stmt_is_create_ = false;
  bool pending_end_ = false;
  bool in_exec_comment_ = false;
};

}  // namespace

std::vector<LexedStatement> LexSql(std::string_view sql, SqlDialect dialect,
                                   bool other_escapes) {
  return Lexer(sql, dialect, other_escapes).Run();
}

std::string Unquote(std::string_view t) {
  if (t.size() >= 2 && (t[0] == 'U' || t[0] == 'u') && t[1] == '&') {
    t.remove_prefix(2);
  }
  if (t.empty()) return std::string();
  const char q = t[0];
  if (q != '"' && q != '`' && q != '\'') return std::string(t);
  t.remove_prefix(1);
  if (!t.empty() && t.back() == q) t.remove_suffix(1);
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    out.push_back(t[i]);
    if (t[i] == q && i + 1 < t.size() && t[i + 1] == q) ++i;
  }
  return out;
}

}  // namespace hoop::policy::internal
