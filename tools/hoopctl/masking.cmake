# hoopctl mask links the masking library.
target_link_libraries(hoopctl PRIVATE hoop::masking)
