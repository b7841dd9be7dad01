# masking_bench: Masker throughput against memcpy and the naive RE2 baseline.
hoop_add_bench(masking_bench masking_benchmark.cc masking_corpus.cc)
target_link_libraries(masking_bench PRIVATE hoop::masking)
