// Copyright 2026 The hoop Authors.

#include "bench/masking_corpus.h"

#include <cstdio>
#include <string>

namespace hoop::masking::bench {
namespace {

// splitmix64: tiny, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint32_t Below(std::uint32_t n) {
    return static_cast<std::uint32_t>(Next() % n);
  }
  bool Percent(double p) { return (Next() % 100000) < p * 1000; }

 private:
  std::uint64_t s_;
};

const char* const kWords[] = {
    "the",     "order",   "was",      "shipped", "to",       "customer",
    "and",     "payment", "received", "on",      "time",     "please",
    "review",  "account", "status",   "pending", "active",   "closed",
    "for",     "invoice", "with",     "total",   "amount",   "due",
    "next",    "week",    "support",  "ticket",  "resolved", "by",
    "team",    "member",  "after",    "call",    "from",     "client",
    "note",    "update",  "address",  "changed", "new",      "delivery",
    "window",  "morning", "request",  "refund",  "approved", "manager",
    "weekly",  "report",  "includes", "summary", "of",       "results",
    "in",      "region",  "north",    "south",   "east",     "west",
    "product", "catalog", "item",     "stock",   "level",    "low",
    "reorder", "placed",  "supplier", "confirm", "quantity", "price"};
const char* const kFirst[] = {"Ana",   "John",  "Li",     "Maria",  "Ahmed",
                              "Sofia", "Pedro", "Yuki",   "Emma",   "Noah",
                              "Olga",  "Ravi",  "Chen",   "Lucas",  "Zoë",
                              "José",  "Amara", "Mateus", "Ingrid", "Omar"};
const char* const kLast[] = {"Lima",    "Doe",   "Wei",    "Silva",  "Khan",
                             "Rossi",   "Costa", "Tanaka", "Müller", "Smith",
                             "Ivanova", "Patel", "Zhang",  "Martin", "García",
                             "Okafor",  "Berg",  "Haddad", "Novak",  "Kim"};
const char* const kDomains[] = {"example.com", "mail.example.org",
                                "corp.example.co.uk", "example.com.br",
                                "example.io"};
const char* const kStatus[] = {"active",   "pending", "closed", "t",
                               "f",        "shipped", "NULL",   "",
                               "refunded", "draft"};

template <std::size_t N>
const char* Pick(Rng& r, const char* const (&a)[N]) {
  return a[r.Below(N)];
}

void Digits(Rng& r, int n, std::string* out) {
  for (int i = 0; i < n; ++i)
    out->push_back(static_cast<char>('0' + r.Below(10)));
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

std::string Email(Rng& r) {
  std::string s = Lower(Pick(r, kFirst));
  s += r.Below(2) ? "." : "_";
  s += Lower(Pick(r, kLast));
  if (r.Below(2)) s += std::to_string(r.Below(1000));
  // Keep it ASCII: drop anything outside [a-z0-9._].
  std::string clean;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '_') {
      clean.push_back(c);
    }
  }
  return clean + "@" + Pick(r, kDomains);
}

std::string Card(Rng& r) {
  static const char* const kPrefixes[] = {"4", "51", "55", "37", "6011"};
  static const int kLens[] = {16, 16, 16, 15, 16};
  int k = static_cast<int>(r.Below(5));
  std::string d = kPrefixes[k];
  Digits(r, kLens[k] - 1 - static_cast<int>(d.size()), &d);
  int sum = 0;  // Luhn check digit
  for (int i = static_cast<int>(d.size()) - 1, dbl = 1; i >= 0; --i, dbl ^= 1) {
    int v = d[i] - '0';
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  d.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  int style = static_cast<int>(r.Below(3));
  if (style == 0 || d.size() != 16) return d;
  char sep = style == 1 ? ' ' : '-';
  return d.substr(0, 4) + sep + d.substr(4, 4) + sep + d.substr(8, 4) + sep +
         d.substr(12, 4);
}

std::string Ssn(Rng& r) {
  int area = 1 + static_cast<int>(r.Below(899));
  if (area == 666) area = 667;
  char buf[40];  // room for any int, so -Wformat-truncation stays quiet at -O0
  std::snprintf(buf, sizeof(buf), "%03d-%02d-%04d", area,
                1 + static_cast<int>(r.Below(99)),
                1 + static_cast<int>(r.Below(9999)));
  return buf;
}

std::string Phone(Rng& r) {
  char buf[32];
  switch (r.Below(4)) {
    case 0:
      std::snprintf(buf, sizeof(buf), "+1-%03d-555-%04d", 200 + r.Below(700),
                    r.Below(10000));
      break;
    case 1:
      std::snprintf(buf, sizeof(buf), "(%03d) %03d-%04d", 200 + r.Below(700),
                    200 + r.Below(700), r.Below(10000));
      break;
    case 2:
      std::snprintf(buf, sizeof(buf), "+44 20 %04d %04d", r.Below(10000),
                    r.Below(10000));
      break;
    default:
      std::snprintf(buf, sizeof(buf), "+55 11 9%04d-%04d", r.Below(10000),
                    r.Below(10000));
  }
  return buf;
}

std::string Ipv4(Rng& r) {
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", 1 + r.Below(223), r.Below(256),
                r.Below(256), 1 + r.Below(254));
  return buf;
}

std::string Ipv6(Rng& r) {
  char buf[48];
  if (r.Below(2)) {
    std::snprintf(buf, sizeof(buf), "2001:db8::%x:%x", r.Below(65536),
                  r.Below(65536));
  } else {
    std::snprintf(buf, sizeof(buf), "fe80::%x:%x:%x:%x", r.Below(65536),
                  r.Below(65536), r.Below(65536), r.Below(65536));
  }
  return buf;
}

std::string Iban(Rng& r) {
  std::string bban;
  Digits(r, 18, &bban);
  // Check digits: 98 - (BBAN + "DE00" as numbers) mod 97; D=13, E=14.
  std::string num = bban + "131400";
  unsigned rem = 0;
  for (char c : num) rem = (rem * 10 + static_cast<unsigned>(c - '0')) % 97;
  unsigned check = 98 - rem;
  char cd[3];
  std::snprintf(cd, sizeof(cd), "%02u", check);
  std::string iban = std::string("DE") + cd + bban;
  if (r.Below(2)) return iban;
  std::string spaced;
  for (std::size_t i = 0; i < iban.size(); ++i) {
    if (i > 0 && i % 4 == 0) spaced.push_back(' ');
    spaced.push_back(iban[i]);
  }
  return spaced;
}

std::string Alnum(Rng& r, int n, bool upper_only) {
  static const char kAll[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kAll[r.Below(upper_only ? 26 : 62)]);
  if (upper_only) {
    for (int i = 0; i < n; i += 3) s[i] = static_cast<char>('0' + r.Below(10));
  }
  return s;
}

std::string Secret(Rng& r) {
  switch (r.Below(6)) {
    case 0:
      return "AKIA" + Alnum(r, 16, true);
    case 1:
      return "ghp_" + Alnum(r, 36, false);
    case 2:
      return "sk_live_" + Alnum(r, 24, false);
    case 3:
      return "eyJhbGciOiJIUzI1NiJ9.eyJ" + Alnum(r, 30, false) + "." +
             Alnum(r, 43, false);
    case 4:
      return "xoxb-" + Alnum(r, 12, false) + "-" + Alnum(r, 24, false);
    default:
      return "postgres://app:" + Alnum(r, 12, false) + "@db.internal:5432/app";
  }
}

// A PII value and the part of it that must not survive.
std::pair<std::string, std::string> Pii(Rng& r) {
  std::string v;
  switch (r.Below(9)) {
    case 0:
    case 1:
      v = Email(r);
      break;
    case 2:
      v = Card(r);
      break;
    case 3:
      v = Ssn(r);
      break;
    case 4:
      v = Phone(r);
      break;
    case 5:
      v = Ipv4(r);
      break;
    case 6:
      v = Ipv6(r);
      break;
    case 7:
      v = Iban(r);
      break;
    default:
      v = Secret(r);
      break;
  }
  std::string must_go = v;
  if (v.rfind("postgres://", 0) == 0) {  // only the password is secret
    must_go = v.substr(15, v.find('@') - 15);
  }
  return {v, must_go};
}

void Words(Rng& r, int n, std::string* out) {
  for (int i = 0; i < n; ++i) {
    if (i > 0) out->push_back(' ');
    out->append(Pick(r, kWords));
  }
}

std::string Timestamp(Rng& r) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "20%02u-%02u-%02u %02u:%02u:%02u.%06u+00",
                15 + r.Below(10), 1 + r.Below(12), 1 + r.Below(28), r.Below(24),
                r.Below(60), r.Below(60), r.Below(1000000));
  return buf;
}

std::string Uuid(Rng& r) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-a%03x-%012llx",
                static_cast<unsigned>(r.Next()), r.Below(65536), r.Below(4096),
                r.Below(4096),
                static_cast<unsigned long long>(r.Next() & 0xffffffffffffULL));
  return buf;
}

std::string Decimal(Rng& r) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%u.%02u", r.Below(100000), r.Below(100));
  return buf;
}

std::string Hash(Rng& r) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                static_cast<unsigned long long>(r.Next()),
                static_cast<unsigned long long>(r.Next()));
  return buf;
}

std::string InnocentCell(Rng& r) {
  std::string s;
  switch (r.Below(16)) {
    case 0:
    case 1:
      return std::to_string(r.Below(10000000));
    case 2:
      return std::string(Pick(r, kFirst)) + " " + Pick(r, kLast);
    case 3:
    case 4:
      return Timestamp(r);
    case 5:
    case 6:
      return Uuid(r);
    case 7:
      return Decimal(r);
    case 8:
    case 9:
      return "{\"id\": " + std::to_string(r.Below(100000)) +
             ", \"status\": \"" + Pick(r, kStatus) +
             "\", \"qty\": " + std::to_string(r.Below(50)) + ", \"tags\": [\"" +
             Pick(r, kWords) + "\", \"" + Pick(r, kWords) +
             "\"], \"note\": \"" + Pick(r, kWords) + " " + Pick(r, kWords) +
             "\"}";
    case 10:
      return Hash(r);
    case 11:
    case 12:
      Words(r, 8 + static_cast<int>(r.Below(16)), &s);
      return s;
    case 13:
      return std::to_string(1 + r.Below(9999)) + " " + Pick(r, kLast) +
             " Street, Apt " + std::to_string(1 + r.Below(99)) + ", " +
             Pick(r, kFirst) + "ville";
    case 14:
      return "v" + std::to_string(r.Below(10)) + "." +
             std::to_string(r.Below(20)) + "." + std::to_string(r.Below(50));
    default:
      return "ORD-20" + std::to_string(15 + r.Below(10)) + "-" +
             std::to_string(100000 + r.Below(900000));
  }
}

}  // namespace

Corpus MakeCells(std::size_t bytes, std::uint64_t seed) {
  Rng r(seed);
  Corpus c;
  c.data.reserve(bytes + 256);
  c.offsets.push_back(0);
  while (c.data.size() < bytes) {
    if (r.Percent(3.5)) {
      auto [v, must_go] = Pii(r);
      std::string cell;
      switch (r.Below(3)) {
        case 0:
          cell = v;
          break;
        case 1:
          cell = "contact " + v;
          break;
        default:
          cell = v + " (" + Pick(r, kStatus) + ")";
          break;
      }
      c.planted.push_back({c.size(), must_go});
      c.data += cell;
    } else {
      c.data += InnocentCell(r);
    }
    c.offsets.push_back(c.data.size());
  }
  return c;
}

Corpus MakeDocuments(std::size_t bytes, std::uint64_t seed) {
  Rng r(seed);
  Corpus c;
  c.data.reserve(bytes + 70000);
  c.offsets.push_back(0);
  // About one PII value per 1150 bytes, the cells' rate.
  auto maybe_pii = [&](std::string* doc, std::size_t since) {
    if (since > 200 && r.Below(1270) < since / 5) {
      auto [v, must_go] = Pii(r);
      c.planted.push_back({c.size(), must_go});
      doc->append(v);
      return true;
    }
    return false;
  };
  while (c.data.size() < bytes) {
    std::size_t target = 4096 + r.Below(60 * 1024);
    std::string doc;
    std::size_t last_pii = 0;
    if (r.Below(2)) {  // JSON: an array of records
      doc = "[";
      while (doc.size() < target) {
        if (doc.size() > 1) doc += ",\n";
        doc += "{\"id\": " + std::to_string(r.Below(10000000)) +
               ", \"name\": \"" + Pick(r, kFirst) + " " + Pick(r, kLast) +
               "\", \"created_at\": \"" + Timestamp(r) +
               "\", \"amount\": " + Decimal(r) + ", \"uuid\": \"" + Uuid(r) +
               "\", \"note\": \"";
        Words(r, 2 + static_cast<int>(r.Below(8)), &doc);
        doc += " ";
        if (maybe_pii(&doc, doc.size() - last_pii)) last_pii = doc.size();
        doc += "\", \"status\": \"" + std::string(Pick(r, kStatus)) + "\"}";
      }
      doc += "]";
    } else {  // free text: sentences with numbers and punctuation
      while (doc.size() < target) {
        std::string w;
        Words(r, 5 + static_cast<int>(r.Below(12)), &w);
        w[0] = static_cast<char>(w[0] - 32);
        doc += w;
        if (r.Below(3) == 0)
          doc += " " + std::to_string(r.Below(5000)) + " units";
        if (r.Below(5) == 0) doc += " on " + Timestamp(r).substr(0, 10);
        doc += " ";
        if (maybe_pii(&doc, doc.size() - last_pii)) {
          last_pii = doc.size();
          doc += " ";
        }
        doc += r.Below(6) == 0 ? ".\n\n" : ". ";
      }
    }
    c.data += doc;
    c.offsets.push_back(c.data.size());
  }
  return c;
}

}  // namespace hoop::masking::bench
