# Policy engine: verdict latency (50 rules) and classifier throughput.
hoop_add_bench(policy_bench ${CMAKE_CURRENT_LIST_DIR}/policy_benchmark.cc)
target_link_libraries(policy_bench PRIVATE hoop::policy)
target_compile_definitions(policy_bench PRIVATE
  HOOP_CORPORA_DIR="${PROJECT_SOURCE_DIR}/../shared/corpora")
