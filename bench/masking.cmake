# masking_bench: Masker throughput against memcpy and the naive RE2 baseline.
hoop_add_bench(masking_bench masking_benchmark.cc masking_corpus.cc)
target_link_libraries(masking_bench PRIVATE hoop::masking)
# masking_instructions: the masker over a corpus, for callgrind's counts.
add_executable(masking_instructions masking_instructions.cc masking_corpus.cc)
target_include_directories(masking_instructions PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_options(masking_instructions PRIVATE ${HOOP_WARNINGS})
target_link_libraries(masking_instructions PRIVATE hoop::masking)
