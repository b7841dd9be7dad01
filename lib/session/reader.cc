// Copyright 2026 The hoop Authors.

#include "hoop/session/reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "hoop/session/recorder.h"

namespace hoop::session {
namespace {

// Reads a varint of at most 10 bytes. Returns 0 when `data` ends inside it,
// -1 when it is longer than 10 bytes, else the bytes used.
int ReadVarint(std::string_view data, uint64_t& value) {
  value = 0;
  for (size_t i = 0; i < data.size() && i < 10; ++i) {
    uint8_t b = static_cast<uint8_t>(data[i]);
    value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return static_cast<int>(i + 1);
  }
  return data.size() >= 10 ? -1 : 0;
}

Fault MakeFault(Fault::Kind kind, const StoredRecord& r, std::string message) {
  return Fault{kind, r.file, r.offset, static_cast<int64_t>(r.record.seq()),
               std::move(message)};
}

}  // namespace

std::string_view FaultKindName(Fault::Kind kind) {
  switch (kind) {
    case Fault::Kind::kIo:
      return "io";
    case Fault::Kind::kTornTail:
      return "torn_tail";
    case Fault::Kind::kMalformed:
      return "malformed";
    case Fault::Kind::kSequence:
      return "sequence";
    case Fault::Kind::kChain:
      return "chain";
    case Fault::Kind::kSignature:
      return "signature";
    case Fault::Kind::kUnknownKey:
      return "unknown_key";
    case Fault::Kind::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

std::string Fault::ToString() const {
  std::string seq_text =
      seq >= 0 ? absl::StrCat("seq ", seq) : std::string("seq ?");
  std::string_view k = FaultKindName(kind);
  return absl::StrCat(file, ":", offset, ": ", seq_text, ": ",
                      absl::string_view(k.data(), k.size()), ": ", message);
}

StreamRead ReadStream(std::string_view bytes, const std::string& file_name) {
  StreamRead out;
  uint64_t off = 0;
  while (off < bytes.size()) {
    uint64_t len = 0;
    int n = ReadVarint(bytes.substr(off), len);
    if (n == 0) {
      out.torn = true;
      out.problem = absl::StrCat("stream ends inside a length prefix (",
                                 bytes.size() - off, " bytes)");
      break;
    }
    if (n < 0 || len > kMaxRecordBytes) {
      out.malformed = true;
      out.problem = "invalid record length";
      break;
    }
    if (len > bytes.size() - off - n) {
      out.torn = true;
      out.problem = absl::StrCat("record of ", len, " bytes cut after ",
                                 bytes.size() - off - n, " bytes");
      break;
    }
    StoredRecord r;
    r.file = file_name;
    r.offset = off;
    r.size = n + len;
    r.bytes.assign(bytes.substr(off + n, len));
    if (!r.record.ParseFromString(r.bytes)) {
      out.malformed = true;
      out.problem = "record does not parse";
      break;
    }
    if (r.record.event_case() == v1::Record::EVENT_NOT_SET) {
      out.malformed = true;
      out.problem = "record has no event";
      break;
    }
    off += r.size;
    out.records.push_back(std::move(r));
  }
  out.end_offset = off;
  return out;
}

SessionReport VerifyStreams(
    const std::vector<std::pair<std::string, std::string>>& streams,
    const VerifyOptions& options) {
  SessionReport rep;
  std::vector<StreamRead> reads;
  for (const auto& [name, bytes] : streams) {
    rep.files.push_back(name);
    reads.push_back(ReadStream(bytes, name));
  }
  // Everything whole, in order; a framing problem ends the usable stream.
  std::optional<Fault> framing;
  for (size_t f = 0; f < reads.size() && !framing; ++f) {
    StreamRead& sr = reads[f];
    int64_t next_seq =
        sr.records.empty()
            ? (rep.records.empty()
                   ? 0
                   : static_cast<int64_t>(rep.records.back().record.seq()) + 1)
            : static_cast<int64_t>(sr.records.back().record.seq()) + 1;
    for (StoredRecord& r : sr.records) rep.records.push_back(std::move(r));
    if (sr.torn) {
      framing = Fault{Fault::Kind::kTornTail, streams[f].first, sr.end_offset,
                      next_seq,
                      absl::StrCat(sr.problem, "; ", rep.records.size(),
                                   " whole records before it recovered")};
    } else if (sr.malformed) {
      framing = Fault{Fault::Kind::kMalformed, streams[f].first, sr.end_offset,
                      next_seq, sr.problem};
    }
  }
  // The session is the id most records carry; an altered one stands out.
  {
    std::map<std::string, size_t> votes;
    size_t best = 0;
    for (const StoredRecord& r : rep.records) {
      size_t v = ++votes[r.record.session_id()];
      if (v > best) {
        best = v;
        rep.session_id = r.record.session_id();
      }
    }
  }

  const std::string zeros(32, '\0');
  std::vector<std::string> hashes;
  hashes.reserve(rep.records.size());
  for (const StoredRecord& r : rep.records) hashes.push_back(Sha256(r.bytes));
  auto link_ok = [&](size_t i) {
    return rep.records[i].record.prev_hash() ==
           (i == 0 ? zeros : hashes[i - 1]);
  };
  auto find_key = [&](const std::string& key_id) -> const VerifyingKey* {
    if (options.key != nullptr && options.key->key_id() == key_id) {
      return options.key;
    }
    for (const VerifyingKey& k : options.older_keys) {
      if (k.key_id() == key_id) return &k;
    }
    return nullptr;
  };
  auto signature_ok = [&](const StoredRecord& r) {
    const VerifyingKey* k = find_key(r.record.checkpoint().key_id());
    return k != nullptr && k->Verify(CheckpointMessage(r.record),
                                     r.record.checkpoint().signature());
  };

  std::optional<Fault> tamper;
  size_t n = rep.records.size();
  size_t signed_upto =
      0;  // records up to and including the last valid checkpoint
  for (size_t i = 0; i < n && !tamper; ++i) {
    const StoredRecord& r = rep.records[i];
    const v1::Record& rec = r.record;
    if (rec.seq() != i) {
      // Named by position: the seq it carries is the suspect value.
      tamper = MakeFault(
          Fault::Kind::kSequence, r,
          i == 0 ? absl::StrCat("stream starts at seq ", rec.seq(),
                                ": earlier records are missing")
                 : absl::StrCat("carries seq ", rec.seq(), " after seq ",
                                rep.records[i - 1].record.seq()));
      tamper->seq = static_cast<int64_t>(i);
      break;
    }
    if (!link_ok(i)) {
      // Which one was altered? See the header.
      bool blame_this;
      if (i + 1 < n) {
        blame_this = !link_ok(i + 1);
      } else if (rec.has_checkpoint() && options.key != nullptr) {
        blame_this = !signature_ok(r);
      } else {
        blame_this = i == 0;
      }
      size_t bad = blame_this ? i : i - 1;
      tamper = MakeFault(
          Fault::Kind::kChain, rep.records[bad],
          blame_this
              ? std::string("record altered: its prev_hash does not match the "
                            "record before it")
              : absl::StrCat(
                    "record altered: its SHA-256 no longer matches seq ",
                    rec.seq(), "'s prev_hash"));
      break;
    }
    if (rec.session_id() != rep.session_id) {
      tamper =
          MakeFault(Fault::Kind::kSequence, r,
                    absl::StrCat("record of session \"", rec.session_id(),
                                 "\" in session \"", rep.session_id, "\""));
      break;
    }
    if (rec.has_checkpoint() && options.key == nullptr) {
      // Without a key only the shape can be checked.
      if (rec.checkpoint().final() && i + 1 == n && !framing)
        rep.complete = true;
    } else if (rec.has_checkpoint()) {
      const v1::Checkpoint& c = rec.checkpoint();
      if (find_key(c.key_id()) == nullptr) {
        tamper =
            MakeFault(Fault::Kind::kUnknownKey, r,
                      "checkpoint signed by a key other than the ones given");
        break;
      }
      if (c.records() != rec.seq() || !signature_ok(r)) {
        tamper = MakeFault(Fault::Kind::kSignature, r,
                           "checkpoint signature is not valid");
        break;
      }
      ++rep.checkpoints_verified;
      rep.signed_records = rec.seq();
      signed_upto = i + 1;
      if (c.final() && i + 1 == n && !framing) rep.complete = true;
    }
  }
  if (tamper) rep.faults.push_back(*tamper);
  if (framing) rep.faults.push_back(*framing);
  if (!tamper && !framing && options.require_final && !rep.complete) {
    Fault f;
    f.kind = Fault::Kind::kIncomplete;
    if (n > 0) {
      f.file = rep.records.back().file;
      f.offset = rep.records.back().offset + rep.records.back().size;
      f.seq = static_cast<int64_t>(n);
    } else if (!streams.empty()) {
      f.file = streams.back().first;
    }
    f.message = absl::StrCat(
        "no final checkpoint: the session was not closed",
        options.key == nullptr ? std::string()
                               : absl::StrCat("; ", n - signed_upto,
                                              " record(s) after the last valid "
                                              "checkpoint are unsigned"));
    rep.faults.push_back(f);
  }
  return rep;
}

absl::StatusOr<std::vector<SessionReport>> ReadSessions(
    const std::vector<std::string>& paths, const VerifyOptions& options) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        if (e.path().extension() == ".hooprec")
          found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return absl::NotFoundError(
          absl::StrCat(p, ": no such file or directory"));
    }
  }
  struct Stream {
    std::string name, bytes;
    uint64_t first_seq = 0;
  };
  std::map<std::string, std::vector<Stream>> by_session;
  std::vector<SessionReport> io_faults;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in.good() && !in.eof()) {
      SessionReport r;
      r.session_id = f;
      r.files.push_back(f);
      r.faults.push_back(Fault{Fault::Kind::kIo, f, 0, -1, "cannot read"});
      io_faults.push_back(std::move(r));
      continue;
    }
    Stream s{f, ss.str(), 0};
    // The session id and first seq come from the first record.
    std::string id = fs::path(f).stem().string();
    uint64_t len = 0;
    int n = ReadVarint(s.bytes, len);
    v1::Record first;
    if (n > 0 && len <= s.bytes.size() - n &&
        first.ParseFromArray(s.bytes.data() + n, len) &&
        !first.session_id().empty()) {
      id = first.session_id();
      s.first_seq = first.seq();
    }
    by_session[id].push_back(std::move(s));
  }
  std::vector<SessionReport> out;
  for (auto& [id, streams] : by_session) {
    std::stable_sort(streams.begin(), streams.end(),
                     [](const Stream& a, const Stream& b) {
                       return a.first_seq < b.first_seq;
                     });
    std::vector<std::pair<std::string, std::string>> in;
    for (Stream& s : streams) in.emplace_back(s.name, std::move(s.bytes));
    SessionReport r = VerifyStreams(in, options);
    if (r.session_id.empty()) r.session_id = id;
    out.push_back(std::move(r));
  }
  for (SessionReport& r : io_faults) out.push_back(std::move(r));
  return out;
}

}  // namespace hoop::session
