// Copyright 2026 The hoop Authors.
//
// SQL statement classification for policy decisions.
//
// A gateway must decide per statement what a query string does, from what the
// statement does rather than from a regex over its text: a comment must not
// hide a DELETE, and harmless text inside a string literal must not trip a
// rule. ClassifySql() lexes the whole query string like the server would
// (comments, nested comments, MySQL `#` and `/*! ... */` executable comments,
// string literals and their escapes, dollar quoting, quoted identifiers and
// backticks), splits it into statements, and gives each statement:
//
//   kind     what the statement is (SELECT, UPDATE, DDL, ...)
//   effect   what running it does, judged from the whole statement
//   tables   the relations it names, where it can tell
//   flags    details a policy may key on (UPDATE/DELETE without WHERE, ...)
//
// Example:
//
//   using hoop::policy::ClassifySql;
//   auto stmts = ClassifySql(
//       "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d; SELECT 1",
//       hoop::policy::SqlDialect::kPostgres);
//   // stmts.size() == 2
//   // stmts[0].kind == SqlKind::kSelect, stmts[0].effect == Effect::kWrite,
//   // stmts[0].HasFlag(SqlFlag::kWritableCte), ...HasFlag(SqlFlag::kNoWhere)
//   // stmts[1].effect == Effect::kRead
//
// The classifier is a lexer plus a shallow, token-level grammar, not a full
// parser. Its contract is asymmetric on purpose: what it cannot tell comes out
// Effect::kUnknown (a call to a function it does not know, EXECUTE, CALL, DO,
// an unterminated literal, an unrecognised first word), and unknown is never
// read. Against PostgreSQL's own parser on the regression suite it agrees on
// the kind of >= 99.5% of statements and calls no write or DDL a read (see
// tests/policy/sql_corpus_test.cc).
//
// Known limits (what the text alone cannot show): a view, rule or trigger
// that writes; a user-defined operator whose function writes; a built-in
// name shadowed by a function earlier on search_path than pg_catalog (the
// classifier assumes pg_catalog is searched first, as it is unless a session
// lists it later); MySQL stored functions (always unknown). Policies that
// care can deny SET of search_path (flag "setting", SqlStatement::setting).
//
// Thread safety: ClassifySql() is a pure function; call it from any thread.

#ifndef HOOP_POLICY_SQL_H_
#define HOOP_POLICY_SQL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoop::policy {

// kPostgres assumes standard_conforming_strings = on (the default since
// 9.1); kMySql assumes the default sql_mode (backslash escapes on,
// ANSI_QUOTES off). Text that the other setting would read differently is
// flagged kAmbiguousQuoting and never comes out better than unknown.
enum class SqlDialect : uint8_t { kPostgres, kMySql };

// What running a statement does, ordered from least to most severe; a
// statement's effect is the most severe of everything it does. The order and
// names follow the PostgreSQL oracle in shared/corpora/sql/README.md.
enum class Effect : uint8_t {
  kRead,     // reads data or metadata only
  kSession,  // changes only this session (SET search_path, LISTEN, ...)
  kTx,       // transaction control (BEGIN, COMMIT, SAVEPOINT, ...)
  kWrite,    // changes data (DML, COPY FROM, TRUNCATE, nextval, row locks)
  kUnknown,  // cannot be known from the text; never treated as read
  kDdl,      // changes schema objects (CREATE/ALTER/DROP, SELECT INTO)
  kAdmin,    // privileges, roles, server config/files/processes, maintenance
};

enum class SqlKind : uint8_t {
  kSelect,   // also VALUES, TABLE t, (SELECT ...)
  kInsert,   // also MySQL REPLACE
  kUpdate,
  kDelete,
  kMerge,
  kCopy,     // also MySQL LOAD DATA
  kDdl,      // CREATE/ALTER/DROP/COMMENT/TRUNCATE/REFRESH/RENAME ...
  kDcl,      // GRANT/REVOKE/roles and users
  kTcl,      // BEGIN/COMMIT/ROLLBACK/SAVEPOINT/SET CONSTRAINTS/XA
  kSet,      // SET/RESET/ALTER SYSTEM
  kCall,
  kDo,
  kExplain,  // EXPLAIN of a statement (MySQL EXPLAIN/DESCRIBE of a table: kOther)
  kPrepare,
  kExecute,
  kOther,    // SHOW, LOCK, VACUUM, LISTEN, FETCH, USE, FLUSH, ...
  kEmpty,    // only comments or whitespace (never produced by ClassifySql)
  kUnknown,  // unrecognised first word or unterminated text
};

// Bits of SqlStatement::flags.
enum class SqlFlag : uint32_t {
  kNoWhere = 1u << 0,          // an UPDATE or DELETE it runs has no WHERE
  kWritableCte = 1u << 1,      // WITH x AS (INSERT/UPDATE/DELETE/MERGE ...)
  kSelectInto = 1u << 2,       // SELECT ... INTO new_table (PostgreSQL)
  kRowLock = 1u << 3,          // FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE
  kExplainAnalyze = 1u << 4,   // EXPLAIN ANALYZE: the statement runs
  kCopyFrom = 1u << 5,         // COPY ... FROM / LOAD DATA
  kCopyTo = 1u << 6,           // COPY ... TO
  kCopyProgram = 1u << 7,      // COPY ... PROGRAM
  kServerFile = 1u << 8,       // reads/writes a file on the server
  kReturning = 1u << 9,        // RETURNING clause
  kTruncate = 1u << 10,
  kCascade = 1u << 11,         // DROP/TRUNCATE ... CASCADE
  kUnterminated = 1u << 12,    // a literal, identifier or comment is not closed
  kExecutableComment = 1u << 13,  // MySQL /*! ... */ code was read
  kUnknownFunction = 1u << 14,    // calls a function it does not know
  kTableLock = 1u << 15,          // LOCK TABLE / LOCK TABLES
  kCreateTableAs = 1u << 16,      // CREATE TABLE AS / CREATE MATERIALIZED VIEW
  kDrop = 1u << 17,               // DROP of any object
  kGrant = 1u << 18,              // GRANT / REVOKE
  kSetting = 1u << 19,            // SET/RESET of a setting (see setting)
  // Backslashes in '...' would split the text differently under the other
  // string-escape setting (standard_conforming_strings = off, MySQL
  // NO_BACKSLASH_ESCAPES): the effect is at least unknown.
  kAmbiguousQuoting = 1u << 20,
};

// One statement of a query string.
struct SqlStatement {
  // Byte span of the statement in the input, surrounding whitespace trimmed,
  // without its terminating ';'. Leading comments are part of the span.
  size_t offset = 0;
  size_t length = 0;
  SqlKind kind = SqlKind::kUnknown;
  Effect effect = Effect::kUnknown;
  uint32_t flags = 0;  // SqlFlag bits
  // Relations the statement names, as written ("schema.table"), unquoted;
  // unquoted PostgreSQL names are folded to lower case. CTE names are left
  // out. Best effort: a policy on tables should also key on effect.
  std::vector<std::string> tables;
  // Functions it calls, lower case for unquoted names, schema-qualified when
  // written so.
  std::vector<std::string> functions;
  // For kSet: the setting's name, lower case ("search_path", "role").
  std::string setting;

  bool HasFlag(SqlFlag f) const {
    return (flags & static_cast<uint32_t>(f)) != 0;
  }
};

// Splits `sql` into statements and classifies each. Statements that hold only
// comments or whitespace are left out, so "" and ";;" give an empty vector.
// Never fails: text it cannot make sense of comes out kind kUnknown, effect
// kUnknown. Allocates the result.
std::vector<SqlStatement> ClassifySql(std::string_view sql, SqlDialect dialect);

// Stable lower-case names, as in `hoopctl sql classify` and policy documents:
// "select", "insert", ..., "unknown"; "read", "session", "tx", "write",
// "unknown", "ddl", "admin"; "no_where", "writable_cte", ....
// LIFETIME: static strings.
std::string_view SqlKindName(SqlKind kind);
std::string_view EffectName(Effect effect);
std::string_view SqlFlagName(SqlFlag flag);
// All flag bits, for iterating over SqlStatement::flags.
std::vector<SqlFlag> AllSqlFlags();

}  // namespace hoop::policy

#endif  // HOOP_POLICY_SQL_H_
