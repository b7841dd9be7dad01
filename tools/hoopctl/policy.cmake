# hoopctl policy check / policy test / sql classify link the policy library.
target_link_libraries(hoopctl PRIVATE hoop::policy)
