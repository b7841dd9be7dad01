# hoopctl token keygen / mint (demo keys and ID tokens) use OpenSSL directly.
target_link_libraries(hoopctl PRIVATE OpenSSL::Crypto)
