# hoopctl verify / sessions / review / replay / sample-records link the
# session library (and masking, for the sample's masked values).
target_link_libraries(hoopctl PRIVATE hoop::session hoop::masking)
