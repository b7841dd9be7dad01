# The PostgreSQL Session: result-stream throughput (memcpy, decode alone,
# session without masking, with the default masker, with a recorder) and
# the per-statement cost of a small query round trip, in one binary.
hoop_add_bench(postgres_session_bench
  ${CMAKE_CURRENT_LIST_DIR}/postgres_session_benchmark.cc)
target_link_libraries(postgres_session_bench
  PRIVATE hoop::session hoop::masking hoop::policy hoop::wire)
