// Copyright 2026 The hoop Authors.
//
// ClassifySql(): a shallow grammar over the lexer's tokens. Each statement is
// classified by its leading words; its effect is the most severe of what its
// tokens show anywhere in it (nested DML after '(', function calls, row
// locks, SELECT INTO, EXPLAIN ANALYZE, COPY targets). The effect table follows
// the PostgreSQL oracle described in shared/corpora/sql/README.md.

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "hoop/policy/sql.h"
#include "policy/internal/sql_lexer.h"

namespace hoop::policy {
namespace {

using internal::LexedStatement;
using internal::Token;
using internal::TokKind;

// --- function classes -----------------------------------------------------

const char* const kPgReadOnly[] = {
#define X(name) name,
#include "policy/internal/pg_readonly_functions.inc"
#undef X
};

struct FuncClass {
  const char* name;
  Effect effect;
};

// PostgreSQL built-ins whose effect is not "read" though they may be stable,
// or volatile ones known to only read (from the oracle's curated list).
constexpr FuncClass kPgFuncClasses[] = {
    {"nextval", Effect::kWrite}, {"setval", Effect::kWrite},
    {"lo_create", Effect::kWrite}, {"lo_creat", Effect::kWrite},
    {"lo_from_bytea", Effect::kWrite}, {"lo_put", Effect::kWrite},
    {"lo_unlink", Effect::kWrite}, {"lo_truncate", Effect::kWrite},
    {"lo_truncate64", Effect::kWrite}, {"lowrite", Effect::kWrite},
    {"pg_notify", Effect::kWrite}, {"pg_logical_emit_message", Effect::kWrite},
    {"brin_summarize_range", Effect::kWrite},
    {"brin_summarize_new_values", Effect::kWrite},
    {"brin_desummarize_range", Effect::kWrite},
    {"gin_clean_pending_list", Effect::kWrite},
    {"lo_import", Effect::kAdmin}, {"lo_export", Effect::kAdmin},
    {"pg_terminate_backend", Effect::kAdmin},
    {"pg_cancel_backend", Effect::kAdmin}, {"pg_reload_conf", Effect::kAdmin},
    {"pg_rotate_logfile", Effect::kAdmin},
    {"pg_rotate_logfile_old", Effect::kAdmin},
    {"pg_switch_wal", Effect::kAdmin},
    {"pg_create_restore_point", Effect::kAdmin},
    {"pg_promote", Effect::kAdmin}, {"pg_wal_replay_pause", Effect::kAdmin},
    {"pg_wal_replay_resume", Effect::kAdmin},
    {"pg_backup_start", Effect::kAdmin}, {"pg_backup_stop", Effect::kAdmin},
    {"pg_create_physical_replication_slot", Effect::kAdmin},
    {"pg_create_logical_replication_slot", Effect::kAdmin},
    {"pg_drop_replication_slot", Effect::kAdmin},
    {"pg_copy_physical_replication_slot", Effect::kAdmin},
    {"pg_copy_logical_replication_slot", Effect::kAdmin},
    {"pg_replication_slot_advance", Effect::kAdmin},
    {"pg_logical_slot_get_changes", Effect::kAdmin},
    {"pg_logical_slot_get_binary_changes", Effect::kAdmin},
    {"pg_logical_slot_peek_changes", Effect::kAdmin},
    {"pg_logical_slot_peek_binary_changes", Effect::kAdmin},
    {"pg_replication_origin_create", Effect::kAdmin},
    {"pg_replication_origin_drop", Effect::kAdmin},
    {"pg_replication_origin_advance", Effect::kAdmin},
    {"pg_replication_origin_session_setup", Effect::kAdmin},
    {"pg_replication_origin_session_reset", Effect::kAdmin},
    {"pg_replication_origin_xact_setup", Effect::kAdmin},
    {"pg_replication_origin_xact_reset", Effect::kAdmin},
    {"pg_stat_reset", Effect::kAdmin}, {"pg_stat_reset_shared", Effect::kAdmin},
    {"pg_stat_reset_single_table_counters", Effect::kAdmin},
    {"pg_stat_reset_single_function_counters", Effect::kAdmin},
    {"pg_stat_reset_slru", Effect::kAdmin},
    {"pg_stat_reset_replication_slot", Effect::kAdmin},
    {"pg_stat_reset_subscription_stats", Effect::kAdmin},
    {"pg_read_file", Effect::kAdmin}, {"pg_read_file_old", Effect::kAdmin},
    {"pg_read_binary_file", Effect::kAdmin}, {"pg_stat_file", Effect::kAdmin},
    {"pg_ls_dir", Effect::kAdmin}, {"pg_ls_logdir", Effect::kAdmin},
    {"pg_ls_waldir", Effect::kAdmin}, {"pg_ls_tmpdir", Effect::kAdmin},
    {"pg_ls_archive_statusdir", Effect::kAdmin},
    {"pg_ls_logicalmapdir", Effect::kAdmin},
    {"pg_ls_logicalsnapdir", Effect::kAdmin},
    {"pg_ls_replslotdir", Effect::kAdmin},
    {"pg_log_backend_memory_contexts", Effect::kAdmin},
    {"pg_hba_file_rules", Effect::kAdmin},
    {"pg_ident_file_mappings", Effect::kAdmin},
    {"pg_show_all_file_settings", Effect::kAdmin},
    {"pg_nextoid", Effect::kAdmin},
    {"pg_stop_making_pinned_objects", Effect::kAdmin},
    {"pg_import_system_collations", Effect::kDdl},
    {"pg_extension_config_dump", Effect::kDdl},
    {"pg_advisory_lock", Effect::kSession},
    {"pg_advisory_lock_shared", Effect::kSession},
    {"pg_advisory_unlock", Effect::kSession},
    {"pg_advisory_unlock_shared", Effect::kSession},
    {"pg_advisory_unlock_all", Effect::kSession},
    {"pg_advisory_xact_lock", Effect::kSession},
    {"pg_advisory_xact_lock_shared", Effect::kSession},
    {"pg_try_advisory_lock", Effect::kSession},
    {"pg_try_advisory_lock_shared", Effect::kSession},
    {"pg_try_advisory_xact_lock", Effect::kSession},
    {"pg_try_advisory_xact_lock_shared", Effect::kSession},
    {"setseed", Effect::kSession}, {"pg_stat_clear_snapshot", Effect::kSession},
    {"pg_stat_force_next_flush", Effect::kSession},
    {"query_to_xml", Effect::kUnknown}, {"query_to_xmlschema", Effect::kUnknown},
    {"query_to_xml_and_xmlschema", Effect::kUnknown},
    {"cursor_to_xml", Effect::kUnknown},
    {"cursor_to_xmlschema", Effect::kUnknown}, {"ts_stat", Effect::kUnknown},
    {"clock_timestamp", Effect::kRead}, {"timeofday", Effect::kRead},
    {"random", Effect::kRead}, {"gen_random_uuid", Effect::kRead},
    {"pg_sleep", Effect::kRead}, {"pg_sleep_for", Effect::kRead},
    {"pg_sleep_until", Effect::kRead}, {"currval", Effect::kRead},
    {"lastval", Effect::kRead}, {"current_query", Effect::kRead},
    {"pg_current_wal_lsn", Effect::kRead},
    {"pg_current_wal_insert_lsn", Effect::kRead},
    {"pg_current_wal_flush_lsn", Effect::kRead},
    {"pg_database_size", Effect::kRead}, {"pg_relation_size", Effect::kRead},
    {"pg_table_size", Effect::kRead}, {"pg_indexes_size", Effect::kRead},
    {"pg_total_relation_size", Effect::kRead},
    {"pg_tablespace_size", Effect::kRead}, {"pg_lock_status", Effect::kRead},
    {"pg_blocking_pids", Effect::kRead},
    {"pg_safe_snapshot_blocking_pids", Effect::kRead},
    {"pg_isolation_test_session_is_blocked", Effect::kRead},
    {"pg_is_in_recovery", Effect::kRead},
    {"pg_is_wal_replay_paused", Effect::kRead},
    {"pg_get_wal_replay_pause_state", Effect::kRead},
    {"pg_last_wal_receive_lsn", Effect::kRead},
    {"pg_last_wal_replay_lsn", Effect::kRead},
    {"pg_last_xact_replay_timestamp", Effect::kRead},
    {"pg_last_committed_xact", Effect::kRead},
    {"pg_control_checkpoint", Effect::kRead}, {"pg_control_init", Effect::kRead},
    {"pg_control_recovery", Effect::kRead},
    {"pg_control_system", Effect::kRead}, {"pg_export_snapshot", Effect::kRead},
    {"pg_get_backend_memory_contexts", Effect::kRead},
    {"pg_get_multixact_members", Effect::kRead},
    {"pg_get_shmem_allocations", Effect::kRead},
    {"pg_get_wal_resource_managers", Effect::kRead},
    {"pg_jit_available", Effect::kRead},
    {"pg_notification_queue_usage", Effect::kRead},
    {"pg_partition_ancestors", Effect::kRead},
    {"pg_partition_tree", Effect::kRead}, {"pg_prepared_xact", Effect::kRead},
    {"pg_sequence_last_value", Effect::kRead},
    {"pg_stat_have_stats", Effect::kRead},
    {"pg_stat_get_recovery_prefetch", Effect::kRead},
    {"pg_xact_commit_timestamp", Effect::kRead},
    {"pg_xact_commit_timestamp_origin", Effect::kRead},
    {"pg_xact_status", Effect::kRead}, {"txid_status", Effect::kRead},
    {"pg_collation_actual_version", Effect::kRead},
    {"pg_database_collation_actual_version", Effect::kRead},
    {"pg_show_replication_origin_status", Effect::kRead},
    {"pg_replication_origin_progress", Effect::kRead},
    {"pg_replication_origin_session_is_setup", Effect::kRead},
    {"pg_replication_origin_session_progress", Effect::kRead},
    {"pg_current_logfile", Effect::kRead}, {"amvalidate", Effect::kRead},
    {"currtid2", Effect::kRead}, {"dsnowball_init", Effect::kRead},
    {"dsnowball_lexize", Effect::kRead}, {"bernoulli", Effect::kRead},
    {"system", Effect::kRead}, {"lo_open", Effect::kRead},
    {"lo_close", Effect::kRead}, {"loread", Effect::kRead},
    {"lo_get", Effect::kRead}, {"lo_lseek", Effect::kRead},
    {"lo_lseek64", Effect::kRead}, {"lo_tell", Effect::kRead},
    {"lo_tell64", Effect::kRead},
};

// MySQL built-ins. Anything else is unknown (stored functions may write).
constexpr FuncClass kMySqlFuncClasses[] = {
    {"load_file", Effect::kAdmin}, {"get_lock", Effect::kSession},
    {"release_lock", Effect::kSession},
    {"release_all_locks", Effect::kSession},
    {"is_free_lock", Effect::kRead}, {"is_used_lock", Effect::kRead},
    {"sleep", Effect::kRead}, {"benchmark", Effect::kUnknown},
    {"last_insert_id", Effect::kRead},
};
constexpr const char* kMySqlReadOnly[] = {
    "abs", "acos", "adddate", "addtime", "aes_decrypt", "aes_encrypt",
    "any_value", "ascii", "asin", "atan", "atan2", "avg", "bin", "bit_and",
    "bit_count", "bit_length", "bit_or", "bit_xor", "ceil", "ceiling",
    "char_length", "character_length", "charset", "coercibility", "collation",
    "concat", "concat_ws", "connection_id", "conv", "convert_tz", "cos", "cot",
    "count", "crc32", "curdate", "current_date", "current_role",
    "current_time", "current_timestamp", "current_user", "curtime",
    "database", "date", "date_add", "date_format", "date_sub", "datediff",
    "day", "dayname", "dayofmonth", "dayofweek", "dayofyear", "degrees",
    "elt", "exp", "export_set", "field", "find_in_set", "floor", "format",
    "found_rows", "from_base64", "from_days", "from_unixtime",
    "group_concat", "hex", "hour", "if", "ifnull", "inet6_aton",
    "inet6_ntoa", "inet_aton", "inet_ntoa", "insert", "instr", "isnull",
    "json_array", "json_arrayagg", "json_contains", "json_extract",
    "json_keys", "json_length", "json_object", "json_objectagg",
    "json_quote", "json_search", "json_type", "json_unquote", "json_valid",
    "last_day", "lcase", "left", "length", "ln", "localtime",
    "localtimestamp", "locate", "log", "log10", "log2", "lower", "lpad",
    "ltrim", "make_set", "makedate", "maketime", "max", "md5", "microsecond",
    "mid", "min", "minute", "mod", "month", "monthname", "now", "oct",
    "octet_length", "ord", "period_add", "period_diff", "pi", "pow", "power",
    "quarter", "quote", "radians", "rand", "regexp_instr", "regexp_like",
    "regexp_replace", "regexp_substr", "repeat", "replace", "reverse",
    "right", "round", "row_count", "rpad", "rtrim", "schema", "sec_to_time",
    "second", "session_user", "sha", "sha1", "sha2", "sign", "sin", "soundex",
    "space", "sqrt", "std", "stddev", "stddev_pop", "stddev_samp",
    "str_to_date", "strcmp", "subdate", "substr", "substring_index",
    "subtime", "sum", "sysdate", "system_user", "tan", "time", "time_format",
    "time_to_sec", "timediff", "timestamp", "timestampadd", "timestampdiff",
    "to_base64", "to_days", "to_seconds", "truncate", "ucase", "unhex",
    "unix_timestamp", "upper", "user", "utc_date", "utc_time",
    "utc_timestamp", "uuid", "uuid_short", "var_pop", "var_samp",
    "variance", "version", "week", "weekday", "weekofyear", "year",
    "yearweek", "row_number", "rank", "dense_rank", "lag", "lead",
    "first_value", "last_value", "ntile", "percent_rank", "cume_dist",
    "nth_value", "char", "weight_string", "values",
};

// Settings whose change alters privileges, auditing or safety.
bool SensitiveSetting(std::string_view name) {
  static constexpr const char* kExact[] = {
      "role", "session_authorization", "session_replication_role",
      "default_transaction_read_only", "transaction_read_only",
      "allow_system_table_mods", "zero_damaged_pages",
      "ignore_system_indexes", "ignore_checksum_failure",
      "ignore_invalid_pages", "lo_compat_privileges",
      "session_preload_libraries", "local_preload_libraries",
      "dynamic_library_path",
      // MySQL
      "sql_log_bin", "sql_log_off", "foreign_key_checks", "sql_safe_updates",
      "read_only", "super_read_only",
  };
  for (const char* e : kExact)
    if (name == e) return true;
  return name.substr(0, 4) == "log_" || name.substr(0, 6) == "track_" ||
         name.substr(0, 8) == "pgaudit.";
}

// Words that may stand before '(' without being a function call.
bool NotAFunction(std::string_view upper) {
  static constexpr const char* kWords[] = {
      "ALL", "AND", "ANY", "ARRAY", "AS", "ASC", "BETWEEN", "BIGINT", "BIT",
      "BOOLEAN", "BY", "CASE", "CAST", "CHAR", "CHARACTER", "CHECK",
      "COALESCE", "COLLATION", "COLUMNS", "CONFLICT", "CONSTRAINT", "CUBE",
      "CURRENT", "DEC", "DECIMAL", "DEFAULT", "DELETE", "DESC", "DISTINCT",
      "DO", "DOUBLE", "ELSE", "END", "ESCAPE", "EXCEPT", "EXISTS", "EXTRACT",
      "FILTER", "FLOAT", "FOR", "FOREIGN", "FROM", "GENERATED", "GREATEST",
      "GROUP", "GROUPING", "GROUPS", "HAVING", "IF", "ILIKE", "IN", "INCLUDE",
      "INOUT", "INSERT", "INT", "INTEGER", "INTERSECT", "INTERVAL", "INTO",
      "IS", "JOIN", "KEY", "LATERAL", "LEAST", "LIKE", "LIMIT", "MATCH",
      "MERGE", "NATIONAL", "NCHAR", "NOT", "NULLIF", "NUMERIC", "OF", "OFFSET",
      "ON", "ONLY", "OPERATOR", "OR", "ORDER", "OUT", "OVER", "OVERLAPS",
      "OVERLAY", "PARTITION", "POSITION", "PRECISION", "PRIMARY", "RANGE",
      "REAL", "RECURSIVE", "REFERENCES", "RETURN", "RETURNING", "ROLLUP",
      "ROW", "ROWS", "SELECT", "SET", "SETS", "SIMILAR", "SMALLINT", "SOME",
      "SUBSTRING", "TABLE", "THEN", "TIME", "TIMESTAMP", "TO", "TREAT",
      "TRIM", "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "VARCHAR",
      "VARIADIC", "VARYING", "WHEN", "WHERE", "WINDOW", "WITH", "WITHIN",
      "XMLATTRIBUTES", "XMLCONCAT", "XMLELEMENT", "XMLEXISTS", "XMLFOREST",
      "XMLNAMESPACES", "XMLPARSE", "XMLPI", "XMLROOT", "XMLSERIALIZE",
      "XMLTABLE", "NORMALIZE", "ORDINALITY", "PASSING", "ZONE", "LOCAL",
      "NULLS", "FIRST", "LAST", "ELSIF", "MATCHED", "NOTHING", "STORED",
      "JSON", "JSON_TABLE", "DUPLICATE", "INDEX", "USE", "FORCE", "IGNORE",
      "STRAIGHT_JOIN", "REGEXP", "RLIKE", "DIV", "MOD", "XOR", "BINARY",
      "CONVERT", "AGAINST", "IDENTITY", "OWNED", "EXCLUDE", "SEARCH", "CYCLE",
  };
  for (const char* w : kWords)
    if (upper == w) return true;
  return false;
}

// Keywords with function-call syntax whose arguments may contain FROM.
bool FunctionLikeKeyword(std::string_view upper) {
  return upper == "EXTRACT" || upper == "SUBSTRING" || upper == "TRIM" ||
         upper == "OVERLAY" || upper == "POSITION" || upper == "CAST" ||
         upper == "NORMALIZE" || upper == "TREAT" || upper == "CONVERT";
}

// Words that end a FROM list item (so they are not aliases).
bool ClauseWord(std::string_view upper) {
  static constexpr const char* kWords[] = {
      "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR",
      "UNION", "INTERSECT", "EXCEPT", "WINDOW", "JOIN", "INNER", "LEFT",
      "RIGHT", "FULL", "CROSS", "NATURAL", "ON", "USING", "SET", "RETURNING",
      "TABLESAMPLE", "VALUES", "SELECT", "WHEN", "INTO", "LOCK", "USE",
      "FORCE", "IGNORE", "STRAIGHT_JOIN", "DEFAULT", "DO", "WITH", "OUTER",
      "PARTITION", "AS", "LATERAL", "ONLY", "FROM", "TO", "STDIN", "STDOUT",
      "PROGRAM", "IN", "NOWAIT", "MODE", "CASCADE", "RESTRICT", "CONTINUE",
      "RESTART", "IDENTITY", "INHERIT", "QUALIFY", "OVERRIDING", "LIKE",
      "ESCAPE", "END", "THEN", "AND", "OR", "NOT", "IS", "BY", "ROWS",
  };
  for (const char* w : kWords)
    if (upper == w) return true;
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

void AddUnique(std::vector<std::string>* v, std::string s) {
  if (s.empty()) return;
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(std::move(s));
}

constexpr size_t kNone = static_cast<size_t>(-1);

class Classifier {
 public:
  Classifier(std::string_view src, const LexedStatement& st, SqlDialect d,
             SqlStatement* out)
      : src_(src),
        t_(st.tokens),
        n_(st.tokens.size()),
        pg_(d == SqlDialect::kPostgres),
        dialect_(d),
        out_(out) {
    // Upper-cased words, in one buffer for the statement (one allocation,
    // not one per token).
    upper_begin_.reserve(n_);
    for (const Token& tk : t_) {
      upper_begin_.push_back(static_cast<uint32_t>(upper_text_.size()));
      if (tk.kind == TokKind::kWord) {
        for (char c : Text(tk)) {
          upper_text_.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
        }
      }
    }
    upper_begin_.push_back(static_cast<uint32_t>(upper_text_.size()));
    call_paren_.assign(1, false);
    // Matching parentheses, once, so that no lookup rescans the statement
    // (a hostile "f(f(f(..." must stay linear).
    close_.assign(n_, n_);
    std::vector<size_t> open;
    for (size_t i = 0; i < n_; ++i) {
      if (t_[i].kind == TokKind::kLParen) {
        open.push_back(i);
      } else if (t_[i].kind == TokKind::kRParen && !open.empty()) {
        close_[open.back()] = i;
        open.pop_back();
      }
    }
  }

  void Run() {
    out_->kind = Statement(0, n_);
    out_->effect = effect_;
  }

 private:
  // --- token helpers ---
  std::string_view Text(const Token& tk) const {
    return src_.substr(tk.begin, tk.end - tk.begin);
  }
  std::string_view Text(size_t i) const {
    return i < n_ ? Text(t_[i]) : std::string_view();
  }
  bool Is(size_t i, TokKind k) const { return i < n_ && t_[i].kind == k; }
  bool W(size_t i, std::string_view upper) const {
    return i < n_ && t_[i].kind == TokKind::kWord && U(i) == upper;
  }
  // The upper-cased text of word i; empty for other tokens.
  std::string_view U(size_t i) const {
    if (i >= n_) return std::string_view();
    return std::string_view(upper_text_).substr(upper_begin_[i],
                                                upper_begin_[i + 1] - upper_begin_[i]);
  }
  bool IsName(size_t i) const {
    return Is(i, TokKind::kWord) || Is(i, TokKind::kQuotedIdent);
  }
  // Index of the ')' matching the '(' at i, or n_. O(1): precomputed.
  size_t Close(size_t i) const { return i < n_ ? close_[i] : n_; }
  // First index in [b, e) of word `upper` at parenthesis depth `depth`.
  size_t FindAt(size_t b, size_t e, uint16_t depth,
                std::string_view upper) const {
    for (size_t j = b; j < e && j < n_; ++j) {
      if (t_[j].depth < depth) return kNone;
      if (t_[j].depth == depth && W(j, upper)) return j;
    }
    return kNone;
  }
  std::string NamePart(size_t i) const {
    if (Is(i, TokKind::kQuotedIdent)) return internal::Unquote(Text(i));
    return pg_ ? Lower(Text(i)) : std::string(Text(i));
  }
  // Reads a dotted name at i; returns the index after it.
  size_t ReadName(size_t i, std::string* name) const {
    name->clear();
    while (IsName(i)) {
      *name += NamePart(i);
      if (Is(i + 1, TokKind::kDot) && IsName(i + 2)) {
        name->push_back('.');
        i += 2;
        continue;
      }
      return i + 1;
    }
    return i;
  }

  void Eff(Effect e) {
    if (exec_ && e > effect_) effect_ = e;
  }
  void Flag(SqlFlag f) { out_->flags |= static_cast<uint32_t>(f); }
  void AddTable(const std::string& name) {
    if (name.empty()) return;
    if (std::find(ctes_.begin(), ctes_.end(), name) != ctes_.end()) return;
    AddUnique(&out_->tables, name);
  }
  size_t SkipWords(size_t i, std::initializer_list<const char*> words) const {
    for (;;) {
      bool hit = false;
      for (const char* w : words) {
        if (W(i, w)) {
          ++i;
          hit = true;
          break;
        }
      }
      if (!hit) return i;
    }
  }
  size_t SkipIfExists(size_t i) const {
    if (W(i, "IF") && W(i + 1, "NOT") && W(i + 2, "EXISTS")) return i + 3;
    if (W(i, "IF") && W(i + 1, "EXISTS")) return i + 2;
    return i;
  }
  // A comma-separated list of names (DROP TABLE a, b; TRUNCATE a, b).
  void NameList(size_t i, size_t e) {
    std::string name;
    while (i < e) {
      i = SkipWords(i, {"ONLY", "TABLE"});
      size_t next = ReadName(i, &name);
      if (next == i) return;
      AddTable(name);
      i = next;
      if (Is(i, TokKind::kOp) && Text(i) == "*") ++i;
      if (!Is(i, TokKind::kComma)) return;
      ++i;
    }
  }

  // --- the statement grammar ---

  // Classifies tokens [b, e) as one statement; returns its kind and adds its
  // effects (when exec_) to effect_.
  SqlKind Statement(size_t b, size_t e) {
    // EXPLAIN EXPLAIN ..., PREPARE p AS PREPARE ...: bounded recursion.
    if (++nesting_ > kMaxNesting) {
      --nesting_;
      Eff(Effect::kUnknown);
      return SqlKind::kUnknown;
    }
    SqlKind k = StatementBody(b, e);
    --nesting_;
    return k;
  }

  SqlKind StatementBody(size_t b, size_t e) {
    size_t i = b;
    while (Is(i, TokKind::kLParen)) ++i;
    if (i >= e || !Is(i, TokKind::kWord)) {
      Eff(Effect::kUnknown);
      return SqlKind::kUnknown;
    }
    const std::string_view w = U(i);
    if (i > b) {
      if (w == "SELECT" || w == "VALUES" || w == "TABLE" || w == "WITH") {
        Query(b, e, i);
        return SqlKind::kSelect;
      }
      Eff(Effect::kUnknown);
      return SqlKind::kUnknown;
    }
    if (w == "SELECT" || w == "VALUES") {
      Query(b, e, i);
      return SqlKind::kSelect;
    }
    if (w == "TABLE") {
      std::string name;
      ReadName(i + 1, &name);
      AddTable(name);
      Eff(Effect::kRead);
      return SqlKind::kSelect;
    }
    if (w == "WITH") return With(b, e);
    if (w == "INSERT" || w == "UPDATE" || w == "DELETE" || w == "MERGE" ||
        (!pg_ && w == "REPLACE")) {
      Query(b, e, i);
      return DmlKind(w);
    }
    if (w == "EXPLAIN" || (!pg_ && (w == "DESCRIBE" || w == "DESC")))
      return Explain(i, e);
    if (w == "COPY" && pg_) return Copy(i, e);
    if (w == "PREPARE") return Prepare(i, e);
    if (w == "EXECUTE") {
      Eff(Effect::kUnknown);
      return SqlKind::kExecute;
    }
    if (w == "CALL") {
      CallsIn(i + 1, e);
      Eff(Effect::kUnknown);
      return SqlKind::kCall;
    }
    if (w == "DO") {
      if (pg_) {
        Eff(Effect::kUnknown);
      } else {
        Query(b, e, kNone);
      }
      return SqlKind::kDo;
    }
    if (w == "BEGIN" || w == "COMMIT" || w == "END" || w == "ROLLBACK" ||
        w == "ABORT" || w == "SAVEPOINT" || w == "RELEASE" ||
        (!pg_ && w == "XA")) {
      Eff(Effect::kTx);
      return SqlKind::kTcl;
    }
    if (w == "START") {
      if (W(i + 1, "TRANSACTION")) {
        Eff(Effect::kTx);
        return SqlKind::kTcl;
      }
      Eff(pg_ ? Effect::kUnknown : Effect::kAdmin);  // START REPLICA ...
      return pg_ ? SqlKind::kUnknown : SqlKind::kOther;
    }
    if (w == "SET") return pg_ ? PgSet(i, e) : MySqlSet(b, i, e);
    if (w == "RESET") {
      if (!pg_) {
        Eff(Effect::kAdmin);
        return SqlKind::kOther;
      }
      std::string name;
      if (W(i + 1, "SESSION") && W(i + 2, "AUTHORIZATION")) {
        name = "session_authorization";
      } else if (W(i + 1, "TIME") && W(i + 2, "ZONE")) {
        name = "timezone";
      } else if (!W(i + 1, "ALL")) {
        ReadName(i + 1, &name);
        name = Lower(name);
      }
      SetSetting(name);
      return SqlKind::kSet;
    }
    if (w == "SHOW" || w == "FETCH" || w == "MOVE" ||
        (!pg_ && (w == "HANDLER" || w == "CHECKSUM" || w == "HELP"))) {
      Eff(Effect::kRead);
      return SqlKind::kOther;
    }
    if (w == "DISCARD" || w == "LISTEN" || w == "UNLISTEN" || w == "CLOSE" ||
        w == "DEALLOCATE" || (!pg_ && (w == "USE" || w == "UNLOCK"))) {
      Eff(Effect::kSession);
      return SqlKind::kOther;
    }
    if (w == "NOTIFY") {
      Eff(Effect::kWrite);
      return SqlKind::kOther;
    }
    if (w == "LOCK") return Lock(i, e);
    if (w == "DECLARE" && pg_) {
      size_t f = FindAt(i + 1, e, t_[i].depth, "FOR");
      Eff(Effect::kRead);
      if (f != kNone) Statement(f + 1, e);
      return SqlKind::kOther;
    }
    if (w == "CHECKPOINT" || w == "VACUUM" || w == "ANALYZE" ||
        w == "ANALYSE" || w == "CLUSTER" || w == "REINDEX" ||
        (!pg_ && (w == "FLUSH" || w == "KILL" || w == "PURGE" ||
                  w == "CHANGE" || w == "STOP" || w == "INSTALL" ||
                  w == "UNINSTALL" || w == "SHUTDOWN" || w == "RESTART" ||
                  w == "OPTIMIZE" || w == "REPAIR" || w == "CHECK" ||
                  w == "CACHE" || w == "BINLOG" || w == "CLONE"))) {
      NameList(SkipWords(i + 1, {"TABLE", "NO_WRITE_TO_BINLOG", "LOCAL",
                                 "FULL", "VERBOSE", "FREEZE", "INDEX"}),
               e);
      Eff(Effect::kAdmin);
      return SqlKind::kOther;
    }
    if (w == "LOAD") {
      if (!pg_ && (W(i + 1, "DATA") || W(i + 1, "XML"))) {
        Flag(SqlFlag::kCopyFrom);
        Eff(Effect::kWrite);
        const bool local = FindAt(i, e, t_[i].depth, "LOCAL") != kNone;
        if (!local) {
          Flag(SqlFlag::kServerFile);
          Eff(Effect::kAdmin);
        }
        size_t into = FindAt(i, e, t_[i].depth, "INTO");
        if (into != kNone) NameList(into + 1, e);
        return SqlKind::kCopy;
      }
      Eff(Effect::kAdmin);
      return SqlKind::kOther;
    }
    if (w == "GRANT" || w == "REVOKE") {
      Flag(SqlFlag::kGrant);
      size_t on = FindAt(i, e, t_[i].depth, "ON");
      if (on != kNone) {
        size_t j = SkipWords(on + 1, {"TABLE"});
        if (!W(j, "ALL") && !W(j, "SCHEMA") && !W(j, "FUNCTION") &&
            !W(j, "DATABASE") && !W(j, "SEQUENCE")) {
          NameList(j, e);
        }
      }
      Eff(Effect::kAdmin);
      return SqlKind::kDcl;
    }
    if (w == "CREATE" || w == "ALTER" || w == "DROP") return Ddl(i, e);
    if (w == "TRUNCATE") {
      Flag(SqlFlag::kTruncate);
      if (FindAt(i, e, t_[i].depth, "CASCADE") != kNone) Flag(SqlFlag::kCascade);
      NameList(SkipWords(i + 1, {"TABLE", "ONLY"}), e);
      Eff(Effect::kWrite);
      return SqlKind::kDdl;
    }
    if (w == "REFRESH") {
      std::string name;
      ReadName(SkipWords(i + 1, {"MATERIALIZED", "VIEW", "CONCURRENTLY"}),
               &name);
      AddTable(name);
      Eff(Effect::kWrite);
      return SqlKind::kDdl;
    }
    if (w == "COMMENT" || w == "SECURITY" || w == "IMPORT" ||
        (!pg_ && w == "RENAME" && !W(i + 1, "USER"))) {
      Eff(Effect::kDdl);
      return SqlKind::kDdl;
    }
    if (w == "REASSIGN" || (!pg_ && w == "RENAME")) {
      Eff(Effect::kAdmin);
      return SqlKind::kDcl;
    }
    Eff(Effect::kUnknown);
    return SqlKind::kUnknown;
  }

  static SqlKind DmlKind(std::string_view w) {
    if (w == "INSERT" || w == "REPLACE") return SqlKind::kInsert;
    if (w == "UPDATE") return SqlKind::kUpdate;
    if (w == "DELETE") return SqlKind::kDelete;
    if (w == "MERGE") return SqlKind::kMerge;
    return SqlKind::kSelect;
  }

  // WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (body) [, ...] main
  SqlKind With(size_t b, size_t e) {
    size_t i = b + 1;
    if (W(i, "RECURSIVE")) ++i;
    while (i < e) {
      if (!IsName(i)) break;
      ctes_.push_back(NamePart(i));
      ++i;
      if (Is(i, TokKind::kLParen)) i = Close(i) + 1;
      if (!W(i, "AS")) break;
      ++i;
      i = SkipWords(i, {"NOT", "MATERIALIZED"});
      if (!Is(i, TokKind::kLParen)) break;
      i = Close(i) + 1;
      // SEARCH / CYCLE clauses
      // SEARCH ... SET col  /  CYCLE ... SET col [TO v DEFAULT v] USING col
      while (i < e && (W(i, "SEARCH") || W(i, "CYCLE"))) {
        const bool cycle = W(i, "CYCLE");
        while (i < e && !W(i, "SET")) ++i;
        i += 2;
        if (cycle && W(i, "TO")) i += 4;
        if (cycle && W(i, "USING")) i += 2;
      }
      if (!Is(i, TokKind::kComma)) break;
      ++i;
    }
    size_t m = i;
    while (Is(m, TokKind::kLParen)) ++m;
    if (m >= e || !Is(m, TokKind::kWord)) {
      Query(b, e, kNone);
      Eff(Effect::kUnknown);
      return SqlKind::kUnknown;
    }
    const std::string_view w = U(m);
    if (w == "SELECT" || w == "VALUES" || w == "TABLE") {
      if (w == "TABLE") {
        std::string name;
        ReadName(m + 1, &name);
        AddTable(name);
      }
      Query(b, e, m);
      return SqlKind::kSelect;
    }
    if (w == "INSERT" || w == "UPDATE" || w == "DELETE" || w == "MERGE") {
      Query(b, e, m);
      return DmlKind(w);
    }
    Query(b, e, kNone);
    Eff(Effect::kUnknown);
    return SqlKind::kUnknown;
  }

  // Scans a query (SELECT/DML, any nesting) in [b, e); `main` is the index
  // of its top-level keyword, or kNone.
  void Query(size_t b, size_t e, size_t main) {
    Eff(Effect::kRead);
    std::string name;
    for (size_t i = b; i < e; ++i) {
      const Token& tk = t_[i];
      if (tk.kind == TokKind::kLParen) {
        // Remember whether this parenthesis is a call's argument list, so
        // that FROM inside EXTRACT(x FROM y) is not read as a FROM clause.
        const size_t d = tk.depth + 1u;
        if (call_paren_.size() <= d) call_paren_.resize(d + 1, false);
        call_paren_[d] = i > b && (Is(i - 1, TokKind::kQuotedIdent) ||
                                   (Is(i - 1, TokKind::kWord) &&
                                    (!NotAFunction(U(i - 1)) ||
                                     FunctionLikeKeyword(U(i - 1)))));
        continue;
      }
      if (tk.kind != TokKind::kWord && tk.kind != TokKind::kQuotedIdent)
        continue;
      if (Is(i + 1, TokKind::kLParen)) {
        Call(i);
      }
      if (tk.kind != TokKind::kWord) continue;
      const std::string_view w = U(i);
      const bool stmt_start = i == main || (i > b && Is(i - 1, TokKind::kLParen));
      if (stmt_start && !Is(i + 1, TokKind::kLParen) &&
          (w == "INSERT" || w == "UPDATE" || w == "DELETE" ||
                         w == "MERGE" || (!pg_ && w == "REPLACE"))) {
        Dml(i, e, i != main);
        continue;
      }
      if (w == "FOR" && (W(i + 1, "UPDATE") || W(i + 1, "SHARE") ||
                         (W(i + 1, "NO") && W(i + 2, "KEY")) ||
                         (W(i + 1, "KEY") && W(i + 2, "SHARE")))) {
        Flag(SqlFlag::kRowLock);
        Eff(Effect::kWrite);
        continue;
      }
      if (!pg_ && w == "LOCK" && W(i + 1, "IN") && W(i + 2, "SHARE")) {
        Flag(SqlFlag::kRowLock);
        Eff(Effect::kWrite);
        continue;
      }
      if ((w == "FROM" || w == "JOIN") && !InCall(tk.depth) &&
          !(i > b && W(i - 1, "DISTINCT"))) {
        FromList(i + 1, e);
        continue;
      }
      if (w == "USING" && !Is(i + 1, TokKind::kLParen) && !InCall(tk.depth)) {
        FromList(i + 1, e);
        continue;
      }
      if (w == "RETURNING") {
        Flag(SqlFlag::kReturning);
        continue;
      }
      if (w == "INTO" && !InCall(tk.depth) && i > b &&
          !(W(i - 1, "INSERT") || W(i - 1, "MERGE") || W(i - 1, "REPLACE") ||
            W(i - 1, "IGNORE") || W(i - 1, "DELAYED") ||
            W(i - 1, "LOW_PRIORITY") || W(i - 1, "HIGH_PRIORITY"))) {
        SelectInto(i, e);
        continue;
      }
    }
  }

  bool InCall(uint16_t depth) const {
    return depth < call_paren_.size() && call_paren_[depth];
  }

  void SelectInto(size_t i, size_t e) {
    (void)e;
    if (pg_) {
      Flag(SqlFlag::kSelectInto);
      Eff(Effect::kWrite);
      Eff(Effect::kDdl);
      size_t j = SkipWords(i + 1, {"TEMP", "TEMPORARY", "UNLOGGED", "TABLE",
                                   "LOCAL", "GLOBAL"});
      std::string name;
      ReadName(j, &name);
      AddTable(name);
      return;
    }
    if (W(i + 1, "OUTFILE") || W(i + 1, "DUMPFILE")) {
      Flag(SqlFlag::kServerFile);
      Eff(Effect::kAdmin);
    } else {
      Eff(Effect::kSession);  // INTO @var
    }
  }

  // A DML keyword at i (top-level or nested after '(').
  void Dml(size_t i, size_t e, bool nested) {
    Eff(Effect::kWrite);
    if (nested) Flag(SqlFlag::kWritableCte);
    const std::string_view w = U(i);
    const uint16_t d = t_[i].depth;
    // A nested DML ends at its ')'; a top-level one at the statement's end.
    size_t end = nested && i > 0 ? std::min(Close(i - 1), e) : e;
    if (++dml_seen_ > kMaxDmlScans) {
      // Pathological nesting: do not rescan; assume the worst.
      if (exec_) Flag(SqlFlag::kNoWhere);
      return;
    }
    std::string name;
    if (w == "INSERT" || w == "REPLACE") {
      size_t j = SkipWords(i + 1, {"LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY",
                                   "IGNORE", "INTO"});
      ReadName(j, &name);
      AddTable(name);
      if (FindAt(i + 1, end, d, "ON") != kNone &&
          (FindAt(i + 1, end, d, "CONFLICT") != kNone ||
           FindAt(i + 1, end, d, "DUPLICATE") != kNone)) {
        // upsert: still a write
      }
      return;
    }
    if (w == "UPDATE") {
      size_t j = SkipWords(i + 1, {"LOW_PRIORITY", "IGNORE", "ONLY"});
      FromList(j, end);
    } else if (w == "MERGE") {
      size_t j = SkipWords(i + 1, {"INTO", "ONLY"});
      ReadName(j, &name);
      AddTable(name);
      return;
    }
    bool where = false;
    for (size_t j = i + 1; j < end; ++j) {
      if (t_[j].depth == d && W(j, "WHERE")) {
        where = true;
        break;
      }
    }
    if (!where && exec_) Flag(SqlFlag::kNoWhere);
  }

  // A FROM/JOIN/USING list starting at i.
  void FromList(size_t i, size_t e) {
    std::string name;
    while (i < e) {
      i = SkipWords(i, {"ONLY", "LATERAL"});
      if (Is(i, TokKind::kLParen)) {
        i = Close(i) + 1;
      } else if (IsName(i) && !(Is(i, TokKind::kWord) && ClauseWord(U(i)))) {
        size_t next = ReadName(i, &name);
        if (Is(next, TokKind::kLParen)) return;  // a function; Query sees it
        AddTable(name);
        i = next;
        if (Is(i, TokKind::kOp) && Text(i) == "*") ++i;
      } else {
        return;
      }
      if (W(i, "AS")) ++i;
      if (IsName(i) && !(Is(i, TokKind::kWord) && ClauseWord(U(i)))) {
        ++i;
        if (Is(i, TokKind::kLParen)) i = Close(i) + 1;
      }
      if (!Is(i, TokKind::kComma)) return;
      ++i;
    }
  }

  // Function calls in [b, e) (CALL arguments and the like).
  void CallsIn(size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      if (IsName(i) && Is(i + 1, TokKind::kLParen)) Call(i);
    }
  }

  // A name at i followed by '('.
  void Call(size_t i) {
    if (Is(i, TokKind::kWord) && NotAFunction(U(i))) return;
    size_t start = i;
    std::string schema;
    if (i >= 2 && Is(i - 1, TokKind::kDot) && IsName(i - 2)) {
      start = i - 2;
      schema = NamePart(i - 2);
      if (start >= 2 && Is(start - 1, TokKind::kDot)) schema = "?";
    }
    if (start > 0) {
      if (W(start - 1, "INTO") || W(start - 1, "AS") ||
          W(start - 1, "TABLE") || W(start - 1, "REFERENCES") ||
          W(start - 1, "INDEX") || W(start - 1, "KEY")) {
        return;  // a column list after a table name
      }
    }
    const size_t close = Close(i + 1);
    if (W(close + 1, "AS") &&
        (Is(close + 2, TokKind::kLParen) || W(close + 2, "NOT") ||
         W(close + 2, "MATERIALIZED"))) {
      return;  // WITH x(a, b) AS (...)
    }
    std::string name = NamePart(i);
    std::string full = schema.empty() ? name : schema + "." + name;
    AddUnique(&out_->functions, full);
    Effect e = Effect::kUnknown;
    if (pg_) {
      if (schema.empty() || schema == "pg_catalog" ||
          schema == "information_schema") {
        e = PgFunction(name, i + 1, close);
      }
    } else if (schema.empty()) {
      e = MySqlFunction(name);
    }
    if (e == Effect::kUnknown) Flag(SqlFlag::kUnknownFunction);
    Eff(e);
  }

  Effect PgFunction(const std::string& name, size_t open, size_t close) {
    if (name == "set_config") {
      if (Is(open + 1, TokKind::kString) && Is(open + 2, TokKind::kComma)) {
        return SensitiveSetting(Lower(internal::Unquote(Text(open + 1))))
                   ? Effect::kAdmin
                   : Effect::kSession;
      }
      return Effect::kUnknown;
    }
    if (name.rfind("binary_upgrade_", 0) == 0) return Effect::kAdmin;
    if (name == "ts_rewrite") {
      if (close - open >= 4096) return Effect::kUnknown;
      int commas = 0;
      for (size_t j = open + 1; j < close; ++j) {
        if (t_[j].depth == t_[open].depth + 1 && Is(j, TokKind::kComma))
          ++commas;
      }
      return commas == 2 ? Effect::kRead : Effect::kUnknown;
    }
    if (name.rfind("pg_stat_get_xact_", 0) == 0) return Effect::kRead;
    for (const FuncClass& f : kPgFuncClasses) {
      if (name == f.name) return f.effect;
    }
    auto it = std::lower_bound(
        std::begin(kPgReadOnly), std::end(kPgReadOnly), name,
        [](const char* a, const std::string& b) { return std::strcmp(a, b.c_str()) < 0; });
    if (it != std::end(kPgReadOnly) && name == *it) return Effect::kRead;
    return Effect::kUnknown;
  }

  static Effect MySqlFunction(const std::string& raw) {
    std::string name = Lower(raw);
    for (const FuncClass& f : kMySqlFuncClasses) {
      if (name == f.name) return f.effect;
    }
    for (const char* r : kMySqlReadOnly) {
      if (name == r) return Effect::kRead;
    }
    return Effect::kUnknown;
  }

  SqlKind Explain(size_t i, size_t e) {
    Eff(Effect::kRead);
    size_t j = i + 1;
    bool analyze = false;
    if (!pg_) {
      if (W(j, "ANALYZE")) {
        analyze = true;
        ++j;
      }
      if (W(j, "FORMAT") || W(j, "EXTENDED") || W(j, "PARTITIONS")) {
        ++j;
        if (Is(j, TokKind::kOp) && Text(j) == "=") j += 2;
      }
      if (!(W(j, "SELECT") || W(j, "INSERT") || W(j, "UPDATE") ||
            W(j, "DELETE") || W(j, "REPLACE") || W(j, "WITH") ||
            W(j, "TABLE") || Is(j, TokKind::kLParen))) {
        std::string name;
        ReadName(j, &name);
        AddTable(name);
        return SqlKind::kOther;  // DESCRIBE t / EXPLAIN t / EXPLAIN FOR ...
      }
    } else if (Is(j, TokKind::kLParen)) {
      size_t close = Close(j);
      for (size_t k = j + 1; k < close; ++k) {
        if (W(k, "ANALYZE") || W(k, "ANALYSE")) {
          analyze = !(W(k + 1, "FALSE") || W(k + 1, "OFF") ||
                      (Is(k + 1, TokKind::kNumber) && Text(k + 1) == "0") ||
                      (Is(k + 1, TokKind::kString) &&
                       (Lower(Text(k + 1)) == "'false'" ||
                        Lower(Text(k + 1)) == "'off'")));
        }
      }
      j = close + 1;
    } else {
      while (W(j, "ANALYZE") || W(j, "ANALYSE") || W(j, "VERBOSE")) {
        if (!W(j, "VERBOSE")) analyze = true;
        ++j;
      }
    }
    if (analyze) Flag(SqlFlag::kExplainAnalyze);
    const bool saved = exec_;
    exec_ = exec_ && analyze;
    Statement(j, e);
    exec_ = saved;
    return SqlKind::kExplain;
  }

  SqlKind Copy(size_t i, size_t e) {
    size_t j = i + 1;
    (void)e;
    bool query = false;
    size_t qb = 0, qe = 0;
    if (Is(j, TokKind::kLParen)) {
      query = true;
      qb = j + 1;
      qe = Close(j);
      j = qe + 1;
    } else {
      std::string name;
      j = ReadName(j, &name);
      AddTable(name);
      if (Is(j, TokKind::kLParen)) j = Close(j) + 1;
    }
    bool from = false;
    if (W(j, "FROM")) {
      from = true;
    } else if (!W(j, "TO")) {
      Eff(Effect::kUnknown);
      return SqlKind::kCopy;
    }
    if (from) {
      Flag(SqlFlag::kCopyFrom);
      Eff(Effect::kWrite);
    } else {
      Flag(SqlFlag::kCopyTo);
      Eff(Effect::kRead);
    }
    if (W(j + 1, "PROGRAM")) {
      Flag(SqlFlag::kCopyProgram);
      Eff(Effect::kAdmin);
    } else if (Is(j + 1, TokKind::kString)) {
      Flag(SqlFlag::kServerFile);
      Eff(Effect::kAdmin);
    } else if (!(W(j + 1, "STDIN") || W(j + 1, "STDOUT"))) {
      Eff(Effect::kUnknown);
    }
    if (query) Statement(qb, qe);
    return SqlKind::kCopy;
  }

  SqlKind Prepare(size_t i, size_t e) {
    if (pg_ && W(i + 1, "TRANSACTION")) {
      Eff(Effect::kTx);
      return SqlKind::kTcl;
    }
    if (!pg_) {
      // PREPARE s FROM 'text' | @var: classify the text when it is given.
      size_t from = FindAt(i, e, t_[i].depth, "FROM");
      if (from != kNone && Is(from + 1, TokKind::kString)) {
        std::string text = internal::Unquote(Text(from + 1));
        for (const SqlStatement& s : ClassifySql(text, dialect_)) {
          Eff(s.effect);
          out_->flags |= s.flags;
          for (const std::string& t : s.tables) AddTable(t);
        }
      } else {
        Eff(Effect::kUnknown);
      }
      return SqlKind::kPrepare;
    }
    size_t as = FindAt(i + 1, e, t_[i].depth, "AS");
    if (as == kNone) {
      Eff(Effect::kUnknown);
      return SqlKind::kPrepare;
    }
    Statement(as + 1, e);
    return SqlKind::kPrepare;
  }

  void SetSetting(const std::string& name) {
    out_->setting = name;
    Flag(SqlFlag::kSetting);
    if (name == "transaction" || name == "transaction_snapshot") {
      Eff(Effect::kTx);
    } else if (SensitiveSetting(name)) {
      Eff(Effect::kAdmin);
    } else {
      Eff(Effect::kSession);
    }
  }

  SqlKind PgSet(size_t i, size_t e) {
    size_t j = i + 1;
    if (W(j, "CONSTRAINTS")) {
      Eff(Effect::kTx);
      return SqlKind::kTcl;
    }
    if (W(j, "SESSION") && W(j + 1, "CHARACTERISTICS")) {
      out_->setting = "session_characteristics";
      Flag(SqlFlag::kSetting);
      Eff(Effect::kSession);
      return SqlKind::kSet;
    }
    if (W(j, "SESSION") && W(j + 1, "AUTHORIZATION")) {
      SetSetting("session_authorization");
      return SqlKind::kSet;
    }
    j = SkipWords(j, {"SESSION", "LOCAL"});
    std::string name;
    if (W(j, "TIME") && W(j + 1, "ZONE")) {
      name = "timezone";
    } else if (W(j, "NAMES")) {
      name = "client_encoding";
    } else if (W(j, "SCHEMA")) {
      name = "search_path";
    } else if (W(j, "XML") && W(j + 1, "OPTION")) {
      name = "xmloption";
    } else if (W(j, "TRANSACTION") && W(j + 1, "SNAPSHOT")) {
      name = "transaction_snapshot";
    } else {
      ReadName(j, &name);
      name = Lower(name);
    }
    if (name.empty()) {
      Eff(Effect::kUnknown);
      return SqlKind::kSet;
    }
    SetSetting(name);
    (void)e;
    return SqlKind::kSet;
  }

  SqlKind MySqlSet(size_t b, size_t i, size_t e) {
    size_t j = i + 1;
    if (W(j, "PASSWORD") || (W(j, "DEFAULT") && W(j + 1, "ROLE"))) {
      Eff(Effect::kAdmin);
      return SqlKind::kDcl;
    }
    if (W(j, "TRANSACTION") ||
        ((W(j, "SESSION") || W(j, "GLOBAL")) && W(j + 1, "TRANSACTION"))) {
      out_->setting = "transaction";
      Flag(SqlFlag::kSetting);
      Eff(W(j, "GLOBAL") ? Effect::kAdmin : Effect::kTx);
      return SqlKind::kSet;
    }
    if (W(j, "ROLE")) {
      SetSetting("role");
      return SqlKind::kSet;
    }
    Flag(SqlFlag::kSetting);
    Eff(Effect::kSession);
    // Every assignment at depth 0: GLOBAL/PERSIST scope or a sensitive name
    // makes it admin. Values may call functions or run subqueries.
    const uint16_t d = t_[i].depth;
    bool expect_name = true;
    for (size_t k = j; k < e; ++k) {
      if (t_[k].depth != d) continue;
      if (Is(k, TokKind::kComma)) {
        expect_name = true;
        continue;
      }
      if (!expect_name) continue;
      if (W(k, "GLOBAL") || W(k, "PERSIST") || W(k, "PERSIST_ONLY")) {
        Eff(Effect::kAdmin);
        continue;
      }
      if (W(k, "SESSION") || W(k, "LOCAL")) continue;
      std::string name;
      if (Is(k, TokKind::kParam)) {
        std::string p = Lower(Text(k));
        if (p.rfind("@@global.", 0) == 0 || p.rfind("@@persist", 0) == 0) {
          Eff(Effect::kAdmin);
        }
        if (p.rfind("@@", 0) == 0) {
          size_t dot = p.rfind('.');
          name = dot == std::string::npos ? p.substr(2) : p.substr(dot + 1);
        }
      } else if (W(k, "NAMES") || W(k, "CHARACTER") || W(k, "CHARSET")) {
        name = "names";
      } else {
        ReadName(k, &name);
        name = Lower(name);
      }
      if (out_->setting.empty()) out_->setting = name;
      if (SensitiveSetting(name)) Eff(Effect::kAdmin);
      expect_name = false;
    }
    Query(b, e, kNone);
    return SqlKind::kSet;
  }

  SqlKind Lock(size_t i, size_t e) {
    Flag(SqlFlag::kTableLock);
    if (!pg_) {
      if (W(i + 1, "INSTANCE")) {
        Eff(Effect::kAdmin);
        return SqlKind::kOther;
      }
      NameList(SkipWords(i + 1, {"TABLES", "TABLE"}), e);
      Eff(Effect::kWrite);
      return SqlKind::kOther;
    }
    NameList(SkipWords(i + 1, {"TABLE", "ONLY"}), e);
    size_t in = FindAt(i + 1, e, t_[i].depth, "IN");
    if (in != kNone && W(in + 1, "ACCESS") && W(in + 2, "SHARE") &&
        W(in + 3, "MODE")) {
      Eff(Effect::kRead);
    } else {
      Eff(Effect::kWrite);
    }
    return SqlKind::kOther;
  }

  // CREATE / ALTER / DROP.
  SqlKind Ddl(size_t i, size_t e) {
    const std::string_view verb = U(i);
    size_t j = i + 1;
    j = SkipWords(j, {"OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED",
                      "GLOBAL", "LOCAL", "TRUSTED", "PROCEDURAL", "UNIQUE",
                      "DEFAULT", "CONSTRAINT", "RECURSIVE", "ONLINE",
                      "OFFLINE", "AGGREGATE", "UNDEFINED", "SQL", "ALGORITHM",
                      "MERGE", "TEMPTABLE", "SECURITY", "DEFINER", "INVOKER"});
    // MySQL: CREATE DEFINER = user PROCEDURE ...; ALGORITHM = x VIEW ...
    while (!pg_ && Is(j, TokKind::kOp) && Text(j) == "=") {
      j += 2;
      j = SkipWords(j, {"SQL", "SECURITY", "DEFINER", "INVOKER", "ALGORITHM",
                        "UNDEFINED", "MERGE", "TEMPTABLE"});
      if (Is(j, TokKind::kParam)) {  // the @host of 'user'@'host'
        ++j;
        if (Is(j, TokKind::kQuotedIdent) || Is(j, TokKind::kString)) ++j;
      }
    }
    const std::string_view obj = U(j);
    if (verb == "DROP") Flag(SqlFlag::kDrop);
    if (verb == "DROP" && FindAt(i, e, t_[i].depth, "CASCADE") != kNone)
      Flag(SqlFlag::kCascade);
    const bool mapping = W(j + 1, "MAPPING");
    if (!mapping && (obj == "ROLE" || obj == "USER" || obj == "GROUP" ||
                     (verb == "DROP" && obj == "OWNED"))) {
      Eff(Effect::kAdmin);
      // ALTER ROLE ... RENAME TO is a rename, which PostgreSQL files as DDL.
      if (pg_ && verb == "ALTER" &&
          FindAt(j, e, t_[i].depth, "RENAME") != kNone) {
        return SqlKind::kDdl;
      }
      return SqlKind::kDcl;
    }
    if (verb == "ALTER" && obj == "DEFAULT" && W(j + 1, "PRIVILEGES")) {
      Eff(Effect::kAdmin);
      return SqlKind::kDcl;
    }
    if (verb == "ALTER" && W(i + 1, "DEFAULT") && W(i + 2, "PRIVILEGES")) {
      Eff(Effect::kAdmin);
      return SqlKind::kDcl;
    }
    if (verb == "ALTER" && obj == "SYSTEM") {
      std::string name;
      ReadName(j + 2, &name);
      out_->setting = Lower(name);
      Flag(SqlFlag::kSetting);
      Eff(Effect::kAdmin);
      return SqlKind::kSet;
    }
    if (obj == "DATABASE" || obj == "TABLESPACE" || obj == "SUBSCRIPTION" ||
        (obj == "EVENT" && W(j + 1, "TRIGGER")) ||
        (obj == "FOREIGN" && W(j + 1, "DATA")) ||
        (!pg_ && (obj == "SCHEMA" || obj == "SERVER" || obj == "INSTANCE" ||
                  obj == "LOGFILE" || obj == "RESOURCE")) ||
        (obj == "TABLE" && W(j + 1, "ALL") && W(j + 2, "IN"))) {
      Eff(Effect::kDdl);
      Eff(Effect::kAdmin);
      return SqlKind::kDdl;
    }
    Eff(Effect::kDdl);
    // The object's name, for relations.
    if (obj == "TABLE" || obj == "VIEW" || obj == "SEQUENCE" ||
        (obj == "MATERIALIZED" && W(j + 1, "VIEW")) ||
        (obj == "FOREIGN" && W(j + 1, "TABLE"))) {
      size_t k = j + 1;
      if (obj == "MATERIALIZED" || obj == "FOREIGN") ++k;
      k = SkipIfExists(k);
      if (verb == "DROP") {
        NameList(k, e);
      } else {
        std::string name;
        ReadName(SkipWords(k, {"ONLY"}), &name);
        AddTable(name);
      }
      if (verb == "CREATE" &&
          (obj == "MATERIALIZED" ||
           (obj == "TABLE" && FindAt(j, e, t_[i].depth, "AS") != kNone) ||
           (!pg_ && obj == "TABLE" &&
            FindAt(j, e, t_[i].depth, "SELECT") != kNone))) {
        Flag(SqlFlag::kCreateTableAs);
        const bool no_data = FindAt(j, e, t_[i].depth, "NO") != kNone &&
                             FindAt(j, e, t_[i].depth, "DATA") != kNone;
        if (!no_data) Eff(Effect::kWrite);
      }
    } else if (obj == "INDEX") {
      size_t on = FindAt(j, e, t_[i].depth, "ON");
      if (on != kNone) {
        std::string name;
        ReadName(SkipWords(on + 1, {"ONLY"}), &name);
        AddTable(name);
      }
    }
    return SqlKind::kDdl;
  }

  std::string_view src_;
  const std::vector<Token>& t_;
  size_t n_;
  bool pg_;
  SqlDialect dialect_;
  SqlStatement* out_;
  std::string upper_text_;
  std::vector<uint32_t> upper_begin_;
  std::vector<std::string> ctes_;
  std::vector<bool> call_paren_;
  std::vector<size_t> close_;
  static constexpr int kMaxNesting = 32;
  static constexpr int kMaxDmlScans = 256;
  int nesting_ = 0;
  int dml_seen_ = 0;
  Effect effect_ = Effect::kRead;
  bool exec_ = true;
};

}  // namespace

std::vector<SqlStatement> ClassifySql(std::string_view sql,
                                      SqlDialect dialect) {
  std::vector<SqlStatement> out;
  if (sql.size() > 0xffffffffu) {
    SqlStatement s;
    s.length = sql.size();
    out.push_back(std::move(s));
    return out;
  }
  std::vector<internal::LexedStatement> lexed = internal::LexSql(sql, dialect);
  // A session can change how backslashes in '...' are read
  // (standard_conforming_strings, NO_BACKSLASH_ESCAPES). When reading them
  // the other way would cut the text into different statements or tokens,
  // the text means different things to different servers: unknown.
  bool ambiguous = false;
  if (sql.find('\\') != std::string_view::npos) {
    std::vector<internal::LexedStatement> other =
        internal::LexSql(sql, dialect, /*other_escapes=*/true);
    ambiguous = other.size() != lexed.size();
    for (size_t i = 0; !ambiguous && i < lexed.size(); ++i) {
      ambiguous = other[i].tokens.size() != lexed[i].tokens.size() ||
                  other[i].end != lexed[i].end;
    }
  }
  out.reserve(lexed.size());
  for (const internal::LexedStatement& ls : lexed) {
    SqlStatement s;
    s.offset = ls.begin;
    s.length = ls.end - ls.begin;
    Classifier(sql, ls, dialect, &s).Run();
    if (ls.unterminated) {
      s.flags |= static_cast<uint32_t>(SqlFlag::kUnterminated);
      s.effect = std::max(s.effect, Effect::kUnknown);
    }
    if (ambiguous) {
      s.flags |= static_cast<uint32_t>(SqlFlag::kAmbiguousQuoting);
      s.effect = std::max(s.effect, Effect::kUnknown);
    }
    if (ls.executable_comment) {
      s.flags |= static_cast<uint32_t>(SqlFlag::kExecutableComment);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string_view SqlKindName(SqlKind kind) {
  switch (kind) {
    case SqlKind::kSelect: return "select";
    case SqlKind::kInsert: return "insert";
    case SqlKind::kUpdate: return "update";
    case SqlKind::kDelete: return "delete";
    case SqlKind::kMerge: return "merge";
    case SqlKind::kCopy: return "copy";
    case SqlKind::kDdl: return "ddl";
    case SqlKind::kDcl: return "dcl";
    case SqlKind::kTcl: return "tcl";
    case SqlKind::kSet: return "set";
    case SqlKind::kCall: return "call";
    case SqlKind::kDo: return "do";
    case SqlKind::kExplain: return "explain";
    case SqlKind::kPrepare: return "prepare";
    case SqlKind::kExecute: return "execute";
    case SqlKind::kOther: return "other";
    case SqlKind::kEmpty: return "empty";
    case SqlKind::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view EffectName(Effect effect) {
  switch (effect) {
    case Effect::kRead: return "read";
    case Effect::kSession: return "session";
    case Effect::kTx: return "tx";
    case Effect::kWrite: return "write";
    case Effect::kUnknown: return "unknown";
    case Effect::kDdl: return "ddl";
    case Effect::kAdmin: return "admin";
  }
  return "unknown";
}

std::string_view SqlFlagName(SqlFlag flag) {
  switch (flag) {
    case SqlFlag::kNoWhere: return "no_where";
    case SqlFlag::kWritableCte: return "writable_cte";
    case SqlFlag::kSelectInto: return "select_into";
    case SqlFlag::kRowLock: return "row_lock";
    case SqlFlag::kExplainAnalyze: return "explain_analyze";
    case SqlFlag::kCopyFrom: return "copy_from";
    case SqlFlag::kCopyTo: return "copy_to";
    case SqlFlag::kCopyProgram: return "copy_program";
    case SqlFlag::kServerFile: return "server_file";
    case SqlFlag::kReturning: return "returning";
    case SqlFlag::kTruncate: return "truncate";
    case SqlFlag::kCascade: return "cascade";
    case SqlFlag::kUnterminated: return "unterminated";
    case SqlFlag::kExecutableComment: return "executable_comment";
    case SqlFlag::kUnknownFunction: return "unknown_function";
    case SqlFlag::kTableLock: return "table_lock";
    case SqlFlag::kCreateTableAs: return "create_table_as";
    case SqlFlag::kDrop: return "drop";
    case SqlFlag::kGrant: return "grant";
    case SqlFlag::kSetting: return "setting";
    case SqlFlag::kAmbiguousQuoting: return "ambiguous_quoting";
  }
  return "unknown";
}

std::vector<SqlFlag> AllSqlFlags() {
  std::vector<SqlFlag> v;
  for (uint32_t b = 1; b <= static_cast<uint32_t>(SqlFlag::kAmbiguousQuoting); b <<= 1)
    v.push_back(static_cast<SqlFlag>(b));
  return v;
}

}  // namespace hoop::policy
