// Copyright 2026 The hoop Authors.

#include "hoop/policy/sql.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hoop::policy {
namespace {

using ::testing::ElementsAre;

struct Case {
  const char* sql;
  SqlKind kind;
  Effect effect;
  uint32_t flags = 0;  // flags that must be set
};

uint32_t F(SqlFlag f) { return static_cast<uint32_t>(f); }

void Check(const Case& c, SqlDialect d) {
  SCOPED_TRACE(c.sql);
  std::vector<SqlStatement> got = ClassifySql(c.sql, d);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(SqlKindName(got[0].kind), SqlKindName(c.kind));
  EXPECT_EQ(EffectName(got[0].effect), EffectName(c.effect));
  EXPECT_EQ(got[0].flags & c.flags, c.flags) << "flags " << got[0].flags;
}

TEST(SqlPostgresTest, KindsAndEffects) {
  const Case cases[] = {
      {"SELECT 1", SqlKind::kSelect, Effect::kRead},
      {"select * from t where a = 1", SqlKind::kSelect, Effect::kRead},
      {"(SELECT 1) UNION (SELECT 2)", SqlKind::kSelect, Effect::kRead},
      {"VALUES (1), (2)", SqlKind::kSelect, Effect::kRead},
      {"TABLE t", SqlKind::kSelect, Effect::kRead},
      {"SELECT count(*), lower(name) FROM users", SqlKind::kSelect, Effect::kRead},
      {"SELECT nextval('s')", SqlKind::kSelect, Effect::kWrite},
      {"SELECT my_func(1)", SqlKind::kSelect, Effect::kUnknown,
       F(SqlFlag::kUnknownFunction)},
      {"SELECT public.lower('x')", SqlKind::kSelect, Effect::kUnknown},
      {"SELECT pg_catalog.lower('x')", SqlKind::kSelect, Effect::kRead},
      {"SELECT pg_terminate_backend(123)", SqlKind::kSelect, Effect::kAdmin},
      {"SELECT set_config('search_path', 'x', false)", SqlKind::kSelect,
       Effect::kSession},
      {"SELECT set_config('session_replication_role', 'replica', false)",
       SqlKind::kSelect, Effect::kAdmin},
      {"SELECT * FROM t FOR UPDATE", SqlKind::kSelect, Effect::kWrite,
       F(SqlFlag::kRowLock)},
      {"SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED", SqlKind::kSelect,
       Effect::kWrite},
      {"SELECT * INTO new_t FROM t", SqlKind::kSelect, Effect::kDdl,
       F(SqlFlag::kSelectInto)},
      {"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
       SqlKind::kSelect, Effect::kWrite,
       F(SqlFlag::kWritableCte) | F(SqlFlag::kNoWhere)},
      {"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r WHERE n < 5)"
       " SELECT * FROM r",
       SqlKind::kSelect, Effect::kRead},
      {"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", SqlKind::kInsert,
       Effect::kWrite},
      {"INSERT INTO t (a, b) VALUES (1, 2)", SqlKind::kInsert, Effect::kWrite},
      {"INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 2",
       SqlKind::kInsert, Effect::kWrite},
      {"UPDATE t SET a = 1", SqlKind::kUpdate, Effect::kWrite,
       F(SqlFlag::kNoWhere)},
      {"UPDATE t SET a = (SELECT max(b) FROM u WHERE u.x = 1)",
       SqlKind::kUpdate, Effect::kWrite, F(SqlFlag::kNoWhere)},
      {"UPDATE t SET a = 1 WHERE id = 2 RETURNING *", SqlKind::kUpdate,
       Effect::kWrite, F(SqlFlag::kReturning)},
      {"DELETE FROM t", SqlKind::kDelete, Effect::kWrite, F(SqlFlag::kNoWhere)},
      {"DELETE FROM t WHERE CURRENT OF c", SqlKind::kDelete, Effect::kWrite},
      {"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
       SqlKind::kMerge, Effect::kWrite},
      {"COPY t FROM STDIN", SqlKind::kCopy, Effect::kWrite,
       F(SqlFlag::kCopyFrom)},
      {"COPY t TO STDOUT", SqlKind::kCopy, Effect::kRead, F(SqlFlag::kCopyTo)},
      {"COPY t TO '/tmp/x'", SqlKind::kCopy, Effect::kAdmin,
       F(SqlFlag::kServerFile)},
      {"COPY t FROM PROGRAM 'curl x'", SqlKind::kCopy, Effect::kAdmin,
       F(SqlFlag::kCopyProgram)},
      {"COPY (DELETE FROM t RETURNING *) TO STDOUT", SqlKind::kCopy,
       Effect::kWrite, F(SqlFlag::kNoWhere)},
      {"EXPLAIN SELECT * FROM t", SqlKind::kExplain, Effect::kRead},
      {"EXPLAIN DELETE FROM t", SqlKind::kExplain, Effect::kRead},
      {"EXPLAIN ANALYZE DELETE FROM t", SqlKind::kExplain, Effect::kWrite,
       F(SqlFlag::kExplainAnalyze) | F(SqlFlag::kNoWhere)},
      {"EXPLAIN (ANALYZE, COSTS OFF) UPDATE t SET a = 1 WHERE b", SqlKind::kExplain,
       Effect::kWrite},
      {"EXPLAIN (ANALYZE false) DELETE FROM t", SqlKind::kExplain, Effect::kRead},
      {"PREPARE p(int) AS DELETE FROM t WHERE id = $1", SqlKind::kPrepare,
       Effect::kWrite},
      {"PREPARE p AS SELECT 1", SqlKind::kPrepare, Effect::kRead},
      {"PREPARE TRANSACTION 'x'", SqlKind::kTcl, Effect::kTx},
      {"EXECUTE p(1)", SqlKind::kExecute, Effect::kUnknown},
      {"CALL proc(1)", SqlKind::kCall, Effect::kUnknown},
      {"DO $$BEGIN DELETE FROM t; END$$", SqlKind::kDo, Effect::kUnknown},
      {"BEGIN", SqlKind::kTcl, Effect::kTx},
      {"START TRANSACTION ISOLATION LEVEL SERIALIZABLE", SqlKind::kTcl, Effect::kTx},
      {"COMMIT", SqlKind::kTcl, Effect::kTx},
      {"SAVEPOINT a", SqlKind::kTcl, Effect::kTx},
      {"SET CONSTRAINTS ALL DEFERRED", SqlKind::kTcl, Effect::kTx},
      {"SET search_path = public", SqlKind::kSet, Effect::kSession},
      {"SET LOCAL work_mem = '1MB'", SqlKind::kSet, Effect::kSession},
      {"SET ROLE admin", SqlKind::kSet, Effect::kAdmin},
      {"SET SESSION AUTHORIZATION bob", SqlKind::kSet, Effect::kAdmin},
      {"SET session_replication_role = replica", SqlKind::kSet, Effect::kAdmin},
      {"SET TRANSACTION READ ONLY", SqlKind::kSet, Effect::kTx},
      {"RESET ALL", SqlKind::kSet, Effect::kSession},
      {"ALTER SYSTEM SET work_mem = '1GB'", SqlKind::kSet, Effect::kAdmin},
      {"SHOW work_mem", SqlKind::kOther, Effect::kRead},
      {"LISTEN ch", SqlKind::kOther, Effect::kSession},
      {"NOTIFY ch", SqlKind::kOther, Effect::kWrite},
      {"LOCK TABLE t IN ACCESS SHARE MODE", SqlKind::kOther, Effect::kRead},
      {"LOCK t", SqlKind::kOther, Effect::kWrite},
      {"VACUUM FULL t", SqlKind::kOther, Effect::kAdmin},
      {"DECLARE c CURSOR FOR SELECT * FROM t", SqlKind::kOther, Effect::kRead},
      {"FETCH 10 FROM c", SqlKind::kOther, Effect::kRead},
      {"GRANT SELECT ON t TO bob", SqlKind::kDcl, Effect::kAdmin},
      {"CREATE ROLE bob LOGIN", SqlKind::kDcl, Effect::kAdmin},
      {"DROP USER IF EXISTS bob", SqlKind::kDcl, Effect::kAdmin},
      {"CREATE USER MAPPING FOR bob SERVER s", SqlKind::kDdl, Effect::kDdl},
      {"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob", SqlKind::kDcl,
       Effect::kAdmin},
      {"CREATE TABLE t (a int DEFAULT nextval('s'))", SqlKind::kDdl, Effect::kDdl},
      {"CREATE TABLE t AS SELECT * FROM u", SqlKind::kDdl, Effect::kDdl,
       F(SqlFlag::kCreateTableAs)},
      {"DROP TABLE a, b CASCADE", SqlKind::kDdl, Effect::kDdl,
       F(SqlFlag::kDrop) | F(SqlFlag::kCascade)},
      {"CREATE DATABASE d", SqlKind::kDdl, Effect::kAdmin},
      {"TRUNCATE t", SqlKind::kDdl, Effect::kWrite, F(SqlFlag::kTruncate)},
      {"REFRESH MATERIALIZED VIEW v", SqlKind::kDdl, Effect::kWrite},
      {"COMMENT ON TABLE t IS 'x'", SqlKind::kDdl, Effect::kDdl},
      {"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
       "SELECT 2; END",
       SqlKind::kDdl, Effect::kDdl},
      {"xyzzy plugh", SqlKind::kUnknown, Effect::kUnknown},
      {"SELECT 'unterminated", SqlKind::kSelect, Effect::kUnknown,
       F(SqlFlag::kUnterminated)},
  };
  for (const Case& c : cases) Check(c, SqlDialect::kPostgres);
}

TEST(SqlPostgresTest, LexerHidesNothing) {
  const Case cases[] = {
      // A comment cannot hide a statement, and text in literals is not code.
      {"SELECT 1 /* ; DELETE FROM t */", SqlKind::kSelect, Effect::kRead},
      {"SELECT 1 /* nested /* ; */ DROP TABLE t; */", SqlKind::kSelect,
       Effect::kRead},
      {"SELECT '; DROP TABLE t'", SqlKind::kSelect, Effect::kRead},
      {"SELECT E'it\\'s; DROP TABLE t'", SqlKind::kSelect, Effect::kRead},
      {"SELECT 'it''s; DROP TABLE t'", SqlKind::kSelect, Effect::kRead},
      {"SELECT $tag$ ; DELETE FROM t $tag$", SqlKind::kSelect, Effect::kRead},
      {"SELECT \"weird;name\" FROM t", SqlKind::kSelect, Effect::kRead},
      {"-- comment\nDELETE FROM t", SqlKind::kDelete, Effect::kWrite},
      {"/* c */ UPDATE t SET a = 1 WHERE b", SqlKind::kUpdate, Effect::kWrite},
      {"SELECT $1::int", SqlKind::kSelect, Effect::kRead},
  };
  for (const Case& c : cases) Check(c, SqlDialect::kPostgres);
  // Standard strings: a backslash does not escape, so the quote ends it.
  auto s = ClassifySql("SELECT 'a\\'; DELETE FROM t", SqlDialect::kPostgres);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].kind, SqlKind::kDelete);
  // With standard_conforming_strings = off the server would read one
  // statement: the text is ambiguous, so nothing in it is read.
  EXPECT_TRUE(s[0].HasFlag(SqlFlag::kAmbiguousQuoting));
  EXPECT_EQ(s[0].effect, Effect::kUnknown);
  // The other way round: a quote escaped by a backslash hides a DELETE
  // from a standard-strings reader, but not from us.
  s = ClassifySql("SELECT 'a\\'; DELETE FROM t; --'", SqlDialect::kPostgres);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].effect, Effect::kUnknown);
  EXPECT_GE(s[1].effect, Effect::kWrite);
  // A backslash that changes nothing is not ambiguous.
  s = ClassifySql("SELECT 'C:\\dir'", SqlDialect::kPostgres);
  EXPECT_FALSE(s[0].HasFlag(SqlFlag::kAmbiguousQuoting));
  EXPECT_EQ(s[0].effect, Effect::kRead);
}

TEST(SqlPostgresTest, SplitsStatements) {
  std::string sql = "SELECT 1; UPDATE t SET a = 1 WHERE b;; -- x\n DELETE FROM u;";
  auto s = ClassifySql(sql, SqlDialect::kPostgres);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(sql.substr(s[0].offset, s[0].length), "SELECT 1");
  EXPECT_EQ(sql.substr(s[1].offset, s[1].length), "UPDATE t SET a = 1 WHERE b");
  EXPECT_EQ(s[2].kind, SqlKind::kDelete);
  EXPECT_TRUE(s[2].HasFlag(SqlFlag::kNoWhere));
  EXPECT_TRUE(ClassifySql("", SqlDialect::kPostgres).empty());
  EXPECT_TRUE(ClassifySql(" ;; -- only\n", SqlDialect::kPostgres).empty());
}

TEST(SqlPostgresTest, Tables) {
  auto s = ClassifySql(
      "WITH c AS (SELECT 1) SELECT * FROM public.users u JOIN \"Orders\" o ON "
      "u.id = o.uid, c WHERE EXTRACT(year FROM o.ts) = 2020",
      SqlDialect::kPostgres);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_THAT(s[0].tables, ElementsAre("public.users", "Orders"));
  s = ClassifySql("UPDATE ONLY accounts AS a SET x = 1 FROM b WHERE a.id = b.id",
                  SqlDialect::kPostgres);
  EXPECT_THAT(s[0].tables, ElementsAre("accounts", "b"));
  s = ClassifySql("INSERT INTO logs(a) SELECT a FROM src", SqlDialect::kPostgres);
  EXPECT_THAT(s[0].tables, ElementsAre("logs", "src"));
}

TEST(SqlMySqlTest, KindsAndEffects) {
  const Case cases[] = {
      {"SELECT * FROM t # comment", SqlKind::kSelect, Effect::kRead},
      {"SELECT 1 -- c", SqlKind::kSelect, Effect::kRead},
      {"SELECT \"a;b\", 'it''s;'", SqlKind::kSelect, Effect::kRead},
      {"SELECT 'it\\'s; DELETE FROM t'", SqlKind::kSelect, Effect::kUnknown,
       F(SqlFlag::kAmbiguousQuoting)},
      {"SELECT `weird;name` FROM `db`.`t`", SqlKind::kSelect, Effect::kRead},
      {"/*!40101 DELETE FROM t */", SqlKind::kDelete, Effect::kWrite,
       F(SqlFlag::kExecutableComment) | F(SqlFlag::kNoWhere)},
      {"SELECT 1 /*!50000 , nextval_udf() */", SqlKind::kSelect,
       Effect::kUnknown},
      {"SELECT 1 /*+ hint */", SqlKind::kSelect, Effect::kRead},
      {"REPLACE INTO t VALUES (1)", SqlKind::kInsert, Effect::kWrite},
      {"SELECT REPLACE(name, 'a', 'b') FROM t", SqlKind::kSelect, Effect::kRead},
      {"UPDATE t SET a = 1 LIMIT 10", SqlKind::kUpdate, Effect::kWrite,
       F(SqlFlag::kNoWhere)},
      {"DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t2.x", SqlKind::kDelete,
       Effect::kWrite},
      {"LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE t", SqlKind::kCopy, Effect::kWrite},
      {"LOAD DATA INFILE '/etc/passwd' INTO TABLE t", SqlKind::kCopy, Effect::kAdmin},
      {"SELECT * FROM t INTO OUTFILE '/tmp/x'", SqlKind::kSelect, Effect::kAdmin},
      {"SELECT a INTO @x FROM t", SqlKind::kSelect, Effect::kSession},
      {"SET NAMES utf8mb4", SqlKind::kSet, Effect::kSession},
      {"SET @x = 1", SqlKind::kSet, Effect::kSession},
      {"SET GLOBAL max_connections = 10", SqlKind::kSet, Effect::kAdmin},
      {"SET @@global.read_only = 1", SqlKind::kSet, Effect::kAdmin},
      {"SET sql_log_bin = 0", SqlKind::kSet, Effect::kAdmin},
      {"SET PASSWORD FOR bob = 'x'", SqlKind::kDcl, Effect::kAdmin},
      {"SHOW TABLES", SqlKind::kOther, Effect::kRead},
      {"DESCRIBE t", SqlKind::kOther, Effect::kRead},
      {"EXPLAIN SELECT * FROM t", SqlKind::kExplain, Effect::kRead},
      {"USE db", SqlKind::kOther, Effect::kSession},
      {"START TRANSACTION", SqlKind::kTcl, Effect::kTx},
      {"LOCK TABLES t WRITE", SqlKind::kOther, Effect::kWrite},
      {"FLUSH PRIVILEGES", SqlKind::kOther, Effect::kAdmin},
      {"KILL 12", SqlKind::kOther, Effect::kAdmin},
      {"CREATE USER 'bob'@'%' IDENTIFIED BY 'x'", SqlKind::kDcl, Effect::kAdmin},
      {"CREATE DATABASE d", SqlKind::kDdl, Effect::kAdmin},
      {"RENAME TABLE a TO b", SqlKind::kDdl, Effect::kDdl},
      {"PREPARE s FROM 'DELETE FROM t'", SqlKind::kPrepare, Effect::kWrite},
      {"CALL p()", SqlKind::kCall, Effect::kUnknown},
      {"SELECT my_udf(a) FROM t", SqlKind::kSelect, Effect::kUnknown},
      {"SELECT load_file('/etc/passwd')", SqlKind::kSelect, Effect::kAdmin},
      {"SELECT * FROM t WHERE a = 1 FOR UPDATE", SqlKind::kSelect, Effect::kWrite,
       F(SqlFlag::kRowLock)},
      {"SELECT * FROM t LOCK IN SHARE MODE", SqlKind::kSelect, Effect::kWrite},
      {"INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = a + 1",
       SqlKind::kInsert, Effect::kWrite},
      {"CREATE TABLE t2 SELECT * FROM t1", SqlKind::kDdl, Effect::kDdl,
       F(SqlFlag::kCreateTableAs)},
      {"ALTER TABLE t ADD COLUMN c INT", SqlKind::kDdl, Effect::kDdl},
      {"TRUNCATE TABLE t", SqlKind::kDdl, Effect::kWrite, F(SqlFlag::kTruncate)},
      {"SHOW GRANTS FOR CURRENT_USER", SqlKind::kOther, Effect::kRead},
      {"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", SqlKind::kSet,
       Effect::kTx},
      {"XA START 'x'", SqlKind::kTcl, Effect::kTx},
      {"HANDLER t OPEN", SqlKind::kOther, Effect::kRead},
      {"GRANT ALL ON *.* TO bob", SqlKind::kDcl, Effect::kAdmin},
      {"CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN DELETE FROM t; END",
       SqlKind::kDdl, Effect::kDdl},
      {"SELECT `a` FROM `t` WHERE `b` = \"x\\\"y\"", SqlKind::kSelect,
       Effect::kUnknown},  // a backslash-escaped quote: ambiguous across sql_modes
      {"DELETE FROM t ORDER BY id LIMIT 10", SqlKind::kDelete, Effect::kWrite,
       F(SqlFlag::kNoWhere)},
      {"SELECT SLEEP(5)", SqlKind::kSelect, Effect::kRead},
      {"SELECT BENCHMARK(1000000, MD5('x'))", SqlKind::kSelect, Effect::kUnknown},
      {"SELECT COUNT(*), IFNULL(a, 0), DATE_FORMAT(d, '%Y') FROM t GROUP BY a",
       SqlKind::kSelect, Effect::kRead},
      {"DO RELEASE_LOCK('x')", SqlKind::kDo, Effect::kSession},
      {"EXPLAIN ANALYZE SELECT * FROM t", SqlKind::kExplain, Effect::kRead},
      {"OPTIMIZE TABLE t", SqlKind::kOther, Effect::kAdmin},
      {"RENAME USER a TO b", SqlKind::kDcl, Effect::kAdmin},
      {"ALTER USER bob IDENTIFIED BY 'x'", SqlKind::kDcl, Effect::kAdmin},
      {"SET GLOBAL TRANSACTION ISOLATION LEVEL SERIALIZABLE", SqlKind::kSet,
       Effect::kAdmin},
      {"WITH c AS (SELECT 1) SELECT * FROM c", SqlKind::kSelect, Effect::kRead},
      {"UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = t2.a", SqlKind::kUpdate,
       Effect::kWrite, F(SqlFlag::kNoWhere)},
  };
  for (const Case& c : cases) Check(c, SqlDialect::kMySql);
}

TEST(SqlMySqlTest, CompoundStatementBodyIsOneStatement) {
  auto s = ClassifySql(
      "CREATE PROCEDURE p() BEGIN DECLARE x INT; IF x THEN SELECT 1; END IF; "
      "DELETE FROM t; END; SELECT 2",
      SqlDialect::kMySql);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].kind, SqlKind::kDdl);
  EXPECT_EQ(s[1].kind, SqlKind::kSelect);
}

TEST(SqlTest, NeverCrashesOnGarbage) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131) % 256));
  for (SqlDialect d : {SqlDialect::kPostgres, SqlDialect::kMySql}) {
    for (size_t n = 0; n < junk.size(); n += 97) {
      for (const SqlStatement& s : ClassifySql(junk.substr(0, n), d)) {
        EXPECT_LE(s.offset + s.length, n);
      }
    }
    ClassifySql(std::string(100000, '('), d);
    // Hostile shapes stay linear and bounded in recursion (run under ASan).
    std::string calls, explains, dml;
    for (int i = 0; i < 50000; ++i) calls += "f(";
    for (int i = 0; i < 100000; ++i) explains += "EXPLAIN ";
    for (int i = 0; i < 20000; ++i) dml += "(DELETE FROM t WHERE ";
    auto s = ClassifySql("SELECT " + calls, d);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].effect, Effect::kUnknown);
    s = ClassifySql(explains + "DELETE FROM t", d);
    ASSERT_EQ(s.size(), 1u);
    s = ClassifySql("WITH x AS " + dml, d);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_GE(s[0].effect, Effect::kWrite);
    ClassifySql("$$", d);
    ClassifySql(".0\xe8", d);  // once looped forever (MySQL)
    ClassifySql("/*", d);
    ClassifySql("'", d);
  }
}

}  // namespace
}  // namespace hoop::policy
