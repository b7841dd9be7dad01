# Session recording: records/s and bytes/s per durability policy, and the
# cost of recording a command next to decoding it (hoop::wire, bench only).
hoop_add_bench(session_bench ${CMAKE_CURRENT_LIST_DIR}/session_benchmark.cc)
target_link_libraries(session_bench PRIVATE hoop::session hoop::wire)
