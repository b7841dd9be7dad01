// Copyright 2026 The hoop Authors.
//
// The SQL lexer behind ClassifySql(): tokens with byte spans, comments
// dropped, statements split on ';' outside parentheses and procedure bodies.

#ifndef HOOP_LIB_POLICY_INTERNAL_SQL_LEXER_H_
#define HOOP_LIB_POLICY_INTERNAL_SQL_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hoop/policy/sql.h"

namespace hoop::policy::internal {

enum class TokKind : uint8_t {
  kWord,         // keyword or unquoted identifier
  kQuotedIdent,  // "x" (PostgreSQL) or `x` (MySQL)
  kString,       // any string literal, including $$...$$ and E'...'
  kNumber,
  kParam,        // $1, ?, :name, @var
  kOp,           // operator characters
  kLParen,
  kRParen,
  kComma,
  kDot,
  kOther,        // [ ] and anything else
};

struct Token {
  TokKind kind;
  uint16_t depth;  // parenthesis depth before this token, within its statement
  uint32_t begin;  // byte span in the input
  uint32_t end;
};

struct LexedStatement {
  uint32_t begin = 0;  // trimmed span, comments included, ';' excluded
  uint32_t end = 0;
  std::vector<Token> tokens;
  bool unterminated = false;        // an unclosed quote or comment
  bool executable_comment = false;  // MySQL /*! ... */
};

// Lexes and splits `sql`. Statements with no tokens are dropped.
// `other_escapes` lexes plain '...' strings the other way a session may have
// chosen: with backslash escapes for PostgreSQL (standard_conforming_strings
// = off), without them for MySQL (sql_mode NO_BACKSLASH_ESCAPES).
std::vector<LexedStatement> LexSql(std::string_view sql, SqlDialect dialect,
                                   bool other_escapes = false);

// The text of a quoted identifier or string token without its quotes and
// with doubled quotes undone (escapes other than doubling are kept).
std::string Unquote(std::string_view token_text);

}  // namespace hoop::policy::internal

#endif  // HOOP_LIB_POLICY_INTERNAL_SQL_LEXER_H_
