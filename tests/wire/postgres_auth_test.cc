// Copyright 2026 The hoop Authors.
//
// The client side of PostgreSQL password authentication against published
// and recorded vectors: RFC 7677's SCRAM-SHA-256 example, a live PostgreSQL
// 15 exchange (/work/shared/corpora/VECTORS.md, live/pg-auth.pcap stream 0),
// MD5 against Python's hashlib; malformed server messages; the key cache.

#include "hoop/wire/postgres_auth.h"

#include <string>

#include "gtest/gtest.h"

namespace hoop::wire::postgres {
namespace {

constexpr char kRfcServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kRfcClientFinal[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr char kRfcServerFinal[] =
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

TEST(ScramClientTest, Rfc7677Vector) {
  ScramClient scram("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(scram.ClientFirst(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  absl::StatusOr<std::string> final_message =
      scram.ClientFinal(kRfcServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(*final_message, kRfcClientFinal);
  EXPECT_TRUE(scram.VerifyServerFinal(kRfcServerFinal).ok());
  EXPECT_FALSE(
      scram.VerifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
          .ok());
  EXPECT_FALSE(scram.VerifyServerFinal("e=invalid-proof").ok());
  EXPECT_FALSE(scram.VerifyServerFinal("").ok());
}

TEST(ScramClientTest, PostgresLiveVectorWithEmptyUserName) {
  ScramClient scram("alice-secret", "", "xobObmNGT1C/UFJeEoDdK1Yf");
  EXPECT_EQ(scram.ClientFirst(), "n,,n=,r=xobObmNGT1C/UFJeEoDdK1Yf");
  absl::StatusOr<std::string> final_message = scram.ClientFinal(
      "r=xobObmNGT1C/UFJeEoDdK1YfIFDht/c7aJm4y8Qu+OLfAecf,"
      "s=ktvGoOzpaOuAg1MFr3bVKg==,i=4096");
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(*final_message,
            "c=biws,r=xobObmNGT1C/UFJeEoDdK1YfIFDht/c7aJm4y8Qu+OLfAecf,"
            "p=g47YdAjXgEFdAjejib7N5i6z4pNNDNEswl8w99tNDco=");
  EXPECT_TRUE(
      scram.VerifyServerFinal("v=3HzQ8aH88D0YqrKKEiZWIs0FZuP4R62/CRDmgT2ZMnE=")
          .ok());
}

TEST(ScramClientTest, RandomNoncesDiffer) {
  ScramClient a("pw"), b("pw");
  EXPECT_NE(a.ClientFirst(), b.ClientFirst());
  EXPECT_EQ(a.ClientFirst().substr(0, 8), "n,,n=,r=");
  EXPECT_EQ(a.ClientFirst().size(), 8u + 24u);  // 18 random bytes, base64
}

TEST(ScramClientTest, RejectsMalformedServerFirst) {
  const char* bad[] = {
      "r=xyzdef,s=AAAA,i=4096",         // nonce does not extend ours
      "r=abc,s=AAAA,i=4096",            // nonce not extended at all
      "r=abcdef,i=4096",                // no salt
      "r=abcdef,s=AAAA",                // no iterations
      "s=AAAA,i=4096",                  // no nonce
      "r=abcdef,s=AAA,i=4096",          // salt not base64 (length)
      "r=abcdef,s=A*A=,i=4096",         // salt not base64 (byte)
      "r=abcdef,s=AAAA,i=0",            // iterations out of range
      "r=abcdef,s=AAAA,i=-1",           //
      "r=abcdef,s=AAAA,i=4096x",        //
      "r=abcdef,s=AAAA,i=",             //
      "r=abcdef,s=AAAA,i=10000001",     // a server must not make us spin
      "r=abcdef,s=AAAA,i=99999999999",  //
      "",                               //
  };
  for (const char* s : bad) {
    ScramClient scram("pw", "", "abc");
    absl::StatusOr<std::string> fin = scram.ClientFinal(s);
    EXPECT_EQ(fin.status().code(), absl::StatusCode::kInvalidArgument) << s;
    // Nothing to verify a server-final against.
    EXPECT_FALSE(scram.VerifyServerFinal("v=").ok()) << s;
  }
}

TEST(ScramClientTest, ServerFinalBeforeClientFinalIsRefused) {
  ScramClient scram("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(scram.VerifyServerFinal(kRfcServerFinal).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ScramKeyCacheTest, SameAnswersWithTheCacheAndOneDerivationPerSalt) {
  ScramKeyCache cache;
  for (int i = 0; i < 3; ++i) {
    ScramClient scram("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
    scram.UseKeyCache(&cache);
    absl::StatusOr<std::string> fin = scram.ClientFinal(kRfcServerFirst);
    ASSERT_TRUE(fin.ok()) << fin.status();
    EXPECT_EQ(*fin, kRfcClientFinal);
    EXPECT_TRUE(scram.VerifyServerFinal(kRfcServerFinal).ok());
  }
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 2u);

  // Another password, salt or iteration count is another key.
  ScramClient other_password("pencil2", "user", "rOprNGfwEbeRWgbNEkqO");
  other_password.UseKeyCache(&cache);
  absl::StatusOr<std::string> fin = other_password.ClientFinal(kRfcServerFirst);
  ASSERT_TRUE(fin.ok());
  EXPECT_NE(*fin, kRfcClientFinal);
  ScramClient other_salt("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
  other_salt.UseKeyCache(&cache);
  ASSERT_TRUE(other_salt
                  .ClientFinal("r=rOprNGfwEbeRWgbNEkqOxx,"
                               "s=X22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
                  .ok());
  ScramClient other_count("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
  other_count.UseKeyCache(&cache);
  ASSERT_TRUE(other_count
                  .ClientFinal("r=rOprNGfwEbeRWgbNEkqOxx,"
                               "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4097")
                  .ok());
  EXPECT_EQ(cache.misses(), 4u);
  EXPECT_EQ(cache.hits(), 2u);
}

TEST(ScramKeyCacheTest, StartsOverWhenFull) {
  ScramKeyCache cache(/*capacity=*/2);
  for (const char* salt : {"AAAA", "BBBB", "CCCC", "AAAA"}) {
    ScramClient scram("pw", "", "abc");
    scram.UseKeyCache(&cache);
    ASSERT_TRUE(
        scram.ClientFinal(std::string("r=abcd,s=") + salt + ",i=16").ok());
  }
  // AAAA was dropped when CCCC did not fit.
  EXPECT_EQ(cache.misses(), 4u);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST(Md5PasswordTest, MatchesAnIndependentComputation) {
  // python3: "md5" + md5(md5(b"secretalice").hexdigest().encode()
  //                      + bytes([1, 2, 3, 4])).hexdigest()
  EXPECT_EQ(Md5Password("alice", "secret", std::string("\x01\x02\x03\x04", 4)),
            "md598a0412b9c31436fc53776e863350083");
}

TEST(Base64Test, RoundTripsAndRejectsBadInput) {
  const std::string cases[] = {
      "",     "f",     "fo",     "foo",
      "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)};
  for (const std::string& s : cases) {
    absl::StatusOr<std::string> back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9*").ok());
}

}  // namespace
}  // namespace hoop::wire::postgres
