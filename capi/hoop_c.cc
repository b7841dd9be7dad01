// Copyright 2026 The hoop Authors.
//
// The C API (include/hoop/hoop.h) over the C++ API. Every entry point is
// noexcept and catches everything (Guard); handles are plain structs that
// own C++ objects; errors become hoop_error objects.

#include "hoop/hoop.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/string_view.h"
#include "hoop/masking/arena.h"
#include "hoop/masking/masker.h"
#include "hoop/masking/profile.h"
#include "hoop/masking/stream_masker.h"
#include "hoop/policy/identity.h"
#include "hoop/policy/policy.h"
#include "hoop/session/keys.h"
#include "hoop/session/postgres_session.h"
#include "hoop/session/recorder.h"
#include "hoop/session/session.h"
#include "hoop/session/sink.h"

namespace hs = hoop::session;
namespace hm = hoop::masking;
namespace hpol = hoop::policy;

// --- pinned values: the C enums mirror the C++ ones --------------------------
static_assert(HOOP_VERSION_MAJOR == HOOP_PROJECT_VERSION_MAJOR &&
                  HOOP_VERSION_MINOR == HOOP_PROJECT_VERSION_MINOR &&
                  HOOP_VERSION_PATCH == HOOP_PROJECT_VERSION_PATCH,
              "hoop.h's version macros must match project(hoop VERSION ...)");
static_assert(static_cast<int>(absl::StatusCode::kInvalidArgument) ==
                  HOOP_INVALID_ARGUMENT &&
              static_cast<int>(absl::StatusCode::kNotFound) == HOOP_NOT_FOUND &&
              static_cast<int>(absl::StatusCode::kResourceExhausted) ==
                  HOOP_RESOURCE_EXHAUSTED &&
              static_cast<int>(absl::StatusCode::kFailedPrecondition) ==
                  HOOP_FAILED_PRECONDITION &&
              static_cast<int>(absl::StatusCode::kInternal) == HOOP_INTERNAL &&
              static_cast<int>(absl::StatusCode::kUnauthenticated) ==
                  HOOP_UNAUTHENTICATED);
static_assert(static_cast<int>(hs::EventKind::kStartup) == HOOP_EVENT_STARTUP &&
              static_cast<int>(hs::EventKind::kCommand) == HOOP_EVENT_COMMAND &&
              static_cast<int>(hs::EventKind::kApprovalRequested) ==
                  HOOP_EVENT_APPROVAL_REQUESTED &&
              static_cast<int>(hs::EventKind::kApprovalResolved) ==
                  HOOP_EVENT_APPROVAL_RESOLVED &&
              static_cast<int>(hs::EventKind::kResult) == HOOP_EVENT_RESULT &&
              static_cast<int>(hs::EventKind::kError) == HOOP_EVENT_ERROR &&
              static_cast<int>(hs::EventKind::kTlsRequested) ==
                  HOOP_EVENT_TLS_REQUESTED);
static_assert(static_cast<int>(hpol::Decision::kAllow) == HOOP_DECISION_ALLOW &&
              static_cast<int>(hpol::Decision::kReview) ==
                  HOOP_DECISION_REVIEW &&
              static_cast<int>(hpol::Decision::kDeny) == HOOP_DECISION_DENY);
static_assert(static_cast<int>(hs::Resolution::kApprove) ==
                  HOOP_RESOLUTION_APPROVE &&
              static_cast<int>(hs::Resolution::kDeny) == HOOP_RESOLUTION_DENY &&
              static_cast<int>(hs::Resolution::kExpire) ==
                  HOOP_RESOLUTION_EXPIRE &&
              static_cast<int>(hs::Resolution::kCancel) ==
                  HOOP_RESOLUTION_CANCEL);
static_assert(static_cast<int>(hpol::ResourceKind::kKubernetes) ==
                  HOOP_RESOURCE_KUBERNETES &&
              static_cast<int>(hpol::ResourceKind::kPostgres) ==
                  HOOP_RESOURCE_POSTGRES);
static_assert(static_cast<int>(hpol::IdentityKind::kNonHuman) ==
              HOOP_IDENTITY_NON_HUMAN);
// hoop_slice is read in place from the session's Slice vectors.
static_assert(sizeof(hoop_slice) == sizeof(hs::Slice) &&
              alignof(hoop_slice) == alignof(hs::Slice) &&
              offsetof(hoop_slice, data) == offsetof(hs::Slice, data) &&
              offsetof(hoop_slice, len) == offsetof(hs::Slice, size));

// --- handles -----------------------------------------------------------------

struct hoop_error {
  hoop_status code;
  std::string message;
};

struct hoop_policy {
  std::shared_ptr<const hpol::Policy> policy;
};

struct hoop_masker {
  explicit hoop_masker(std::shared_ptr<const hm::Masker> m)
      : masker(std::move(m)) {
    // The C strings of counter_name(): the Masker's are views.
    for (size_t i = 0; i < masker->num_counters(); ++i) {
      counter_names.emplace_back(masker->counter_name(i));
    }
  }
  std::shared_ptr<const hm::Masker> masker;
  std::vector<std::string> counter_names;
};

struct hoop_mask_scratch {
  hm::Arena arena;
  hm::MaskCounters counters;
  std::string stream_out;  // mask_buffer's staging
};

struct hoop_stream_masker {
  hoop_stream_masker(std::shared_ptr<const hm::Masker> m)
      : masker(std::move(m)), stream(*masker) {}
  std::shared_ptr<const hm::Masker> masker;  // outlives `stream`
  hm::StreamMasker stream;
  std::string out;
};

struct hoop_identity {
  hpol::Identity identity;
};

struct hoop_recorder {
  enum class Kind { kDir, kFile, kCallback };
  Kind kind = Kind::kDir;
  std::string location;  // kDir: directory; kFile: path
  hoop_record_write_fn write = nullptr;
  hoop_record_close_fn close = nullptr;
  void* user = nullptr;
  std::optional<hs::SigningKey> signing_key;
  hs::Durability durability = hs::Durability::kInterval;
  int64_t sync_interval_ms = 200;
  size_t queue_capacity = 4096;
  uint32_t checkpoint_every = 1000;
};

struct hoop_session_options {
  std::string session_id;
  hpol::Identity identity;
  hpol::Resource resource{"", hpol::ResourceKind::kPostgres, {}};
  std::shared_ptr<const hpol::Policy> policy;
  std::shared_ptr<const hm::Masker> masker;
  std::map<std::string, std::shared_ptr<const hm::Masker>, std::less<>>
      profiles;
  std::optional<hoop_recorder> recorder;
  hoop_pg_encryption ssl = HOOP_PG_ENCRYPTION_REFUSE;
  hoop_pg_encryption gssenc = HOOP_PG_ENCRYPTION_REFUSE;
  hoop_pg_start start = HOOP_PG_START_STARTUP;
  bool notify_review = true;
  int64_t review_timeout_ms = 5 * 60 * 1000;
  size_t max_held_bytes = size_t{1} << 20;
  uint32_t max_message_size = 1u << 30;
  std::string client_address;
  std::string gateway_id;
  hoop_clock_fn clock = nullptr;
  void* clock_user = nullptr;
};

struct hoop_session {
  std::unique_ptr<hs::Session> session;
  std::string input;  // hoop_session_feed's copy of the caller's chunk
  const hs::Output* output = nullptr;  // the last call's; null: empty
  std::vector<hoop_event> events;      // views of output->events
  std::string joined[2];               // [0] to_server, [1] to_client
  bool joined_valid[2] = {false, false};
  std::vector<std::string> held;
  bool finished = false;
};

namespace {

// Returned when even the error object cannot be allocated. Never freed.
hoop_error kOutOfMemory{HOOP_RESOURCE_EXHAUSTED, "out of memory"};

hoop_status Ok(hoop_error** err) {
  if (err != nullptr) *err = nullptr;
  return HOOP_OK;
}

hoop_status Fail(hoop_error** err, hoop_status code, std::string_view message) {
  if (err != nullptr) {
    try {
      *err = new hoop_error{code, std::string(message)};
    } catch (...) {
      *err = &kOutOfMemory;
    }
  }
  return code;
}

hoop_status CodeOf(absl::StatusCode code) {
  const int c = static_cast<int>(code);
  return c >= HOOP_OK && c <= HOOP_UNAUTHENTICATED ? static_cast<hoop_status>(c)
                                                   : HOOP_UNKNOWN;
}

hoop_status FromStatus(const absl::Status& status, hoop_error** err) {
  if (status.ok()) return Ok(err);
  return Fail(err, CodeOf(status.code()), hoop::StdSv(status.message()));
}

hoop_status Invalid(hoop_error** err, std::string_view what) {
  return Fail(err, HOOP_INVALID_ARGUMENT, what);
}

// Runs `body`, turning any escaping exception into a status.
template <typename Body>
hoop_status Guard(hoop_error** err, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(err, HOOP_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return Fail(err, HOOP_INTERNAL, e.what());
  } catch (...) {
    return Fail(err, HOOP_INTERNAL, "unknown exception");
  }
}

// The value of an enum argument as the caller passed it. C callers (and Go,
// Python) may pass any int; in C++ even loading an enum parameter whose value
// is outside the enumerators' range is undefined (UBSan: -fsanitize=enum),
// so entry points read enum arguments only through this, then validate.
template <typename E>
int Raw(const E& e) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

std::string_view View(const char* data, size_t len) {
  return data == nullptr ? std::string_view() : std::string_view(data, len);
}
std::string_view View(const uint8_t* data, size_t len) {
  return View(reinterpret_cast<const char*>(data), len);
}
std::string Str(const char* s) { return s == nullptr ? std::string() : s; }

// A Recorder for one session, from the C configuration.
absl::StatusOr<std::unique_ptr<hs::Recorder>> MakeRecorder(
    const hoop_recorder& config, const std::string& session_id,
    hoop_clock_fn clock, void* clock_user) {
  std::unique_ptr<hs::Sink> sink;
  if (config.kind == hoop_recorder::Kind::kCallback) {
    const hoop_record_write_fn write = config.write;
    const hoop_record_close_fn close = config.close;
    void* user = config.user;
    hs::CallbackSink::SyncFn on_close;
    if (close != nullptr) {
      on_close = [close, user]() {
        close(user);
        return absl::OkStatus();
      };
    }
    sink = std::make_unique<hs::CallbackSink>(
        [write, user](std::string_view framed,
                      const hs::v1::Record&) -> absl::Status {
          const int rc = write(user,
                               reinterpret_cast<const uint8_t*>(framed.data()),
                               framed.size());
          if (rc == 0) return absl::OkStatus();
          return absl::UnavailableError(
              "the record callback refused a record (returned " +
              std::to_string(rc) + ")");
        },
        nullptr, std::move(on_close));
  } else {
    hs::FileSink::Options fo;
    if (config.kind == hoop_recorder::Kind::kDir) {
      fo.dir = config.location;
    } else {
      fo.path = config.location;
    }
    auto file = hs::FileSink::Create(std::move(fo));
    if (!file.ok()) return file.status();
    sink = *std::move(file);
  }
  hs::RecorderOptions ro;
  ro.session_id = session_id;
  ro.durability = config.durability;
  ro.sync_interval_ms = config.sync_interval_ms;
  ro.queue_capacity = config.queue_capacity;
  ro.signing_key = config.signing_key;
  ro.checkpoint_every = config.checkpoint_every;
  if (clock != nullptr) {
    ro.clock = [clock, clock_user]() -> int64_t {
      return clock(clock_user) * 1000000;
    };
  }
  return hs::Recorder::Create(std::move(ro), std::move(sink));
}

hs::PostgresOptions::Encryption EncryptionOf(int e) {
  switch (e) {
    case HOOP_PG_ENCRYPTION_ACCEPT:
      return hs::PostgresOptions::Encryption::kAccept;
    case HOOP_PG_ENCRYPTION_FORWARD:
      return hs::PostgresOptions::Encryption::kForward;
    case HOOP_PG_ENCRYPTION_REFUSE:
      break;
  }
  return hs::PostgresOptions::Encryption::kRefuse;
}

bool ValidEncryption(int e) {
  return e == HOOP_PG_ENCRYPTION_REFUSE || e == HOOP_PG_ENCRYPTION_ACCEPT ||
         e == HOOP_PG_ENCRYPTION_FORWARD;
}

// Points the C view at `out` (the session's output of the last call).
// Builds the events first, so that if that throws the output stays empty.
void SetOutput(hoop_session* s, const hs::Output* out) {
  s->output = nullptr;
  s->joined_valid[0] = s->joined_valid[1] = false;
  s->events.clear();
  if (out == nullptr) return;
  s->events.reserve(out->events.size());
  for (const hs::Event& e : out->events) {
    hoop_event c{};
    c.kind = static_cast<hoop_event_kind>(e.kind);
    c.decision = static_cast<hoop_decision>(e.decision);
    c.resolution = static_cast<hoop_resolution>(e.resolution);
    c.fatal = e.fatal ? 1 : 0;
    c.command_id = e.command_id;
    c.rows = e.rows;
    c.request_id = e.request_id.c_str();
    c.request_id_len = e.request_id.size();
    c.rule_id = e.rule_id.c_str();
    c.rule_id_len = e.rule_id.size();
    c.text = e.text.c_str();
    c.text_len = e.text.size();
    c.reason = e.reason.c_str();
    c.reason_len = e.reason.size();
    s->events.push_back(c);
  }
  s->output = out;
}

hoop_status Feed(hoop_session* s, int from, const uint8_t* data,
                 size_t len, bool copy, hoop_error** err) {
  if (s == nullptr) return Invalid(err, "session is NULL");
  SetOutput(s, nullptr);
  if (from != HOOP_CLIENT_TO_SERVER && from != HOOP_SERVER_TO_CLIENT) {
    return Invalid(err, "direction is neither CLIENT_TO_SERVER nor "
                        "SERVER_TO_CLIENT");
  }
  if (data == nullptr && len != 0) return Invalid(err, "data is NULL");
  if (s->finished) {
    return Fail(err, HOOP_FAILED_PRECONDITION, "the session is finished");
  }
  std::string_view bytes = View(data, len);
  if (copy && !bytes.empty()) {
    // Do not keep a huge buffer alive after one huge chunk.
    if (s->input.capacity() > (size_t{4} << 20) &&
        len < s->input.capacity() / 4) {
      std::string().swap(s->input);
    }
    s->input.assign(bytes.data(), bytes.size());
    bytes = s->input;
  }
  const auto dir = from == HOOP_CLIENT_TO_SERVER
                       ? hs::Direction::kClientToServer
                       : hs::Direction::kServerToClient;
  SetOutput(s, &s->session->Feed(dir, bytes));
  return Ok(err);
}

const hoop_slice* Slices(const hoop_session* s, bool to_server,
                         size_t* count) {
  const std::vector<hs::Slice>* v = nullptr;
  if (s != nullptr && s->output != nullptr) {
    v = to_server ? &s->output->to_server : &s->output->to_client;
  }
  if (v == nullptr || v->empty()) {
    if (count != nullptr) *count = 0;
    return nullptr;
  }
  if (count != nullptr) *count = v->size();
  return reinterpret_cast<const hoop_slice*>(v->data());
}

size_t SliceBytes(const hoop_session* s, bool to_server) {
  size_t n = 0;
  const hoop_slice* slices = Slices(s, to_server, &n);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += slices[i].len;
  return total;
}

hoop_status Joined(hoop_session* s, bool to_server, const uint8_t** data,
                   size_t* len, hoop_error** err) {
  if (s == nullptr || data == nullptr || len == nullptr) {
    return Invalid(err, "session, data and len must not be NULL");
  }
  return Guard(err, [&] {
    const int k = to_server ? 0 : 1;
    if (!s->joined_valid[k]) {
      size_t n = 0;
      const hoop_slice* slices = Slices(s, to_server, &n);
      std::string& j = s->joined[k];
      j.clear();
      j.reserve(SliceBytes(s, to_server));
      for (size_t i = 0; i < n; ++i) {
        j.append(reinterpret_cast<const char*>(slices[i].data), slices[i].len);
      }
      s->joined_valid[k] = true;
    }
    const std::string& j = s->joined[k];
    *data = j.empty() ? nullptr : reinterpret_cast<const uint8_t*>(j.data());
    *len = j.size();
    return Ok(err);
  });
}

}  // namespace

extern "C" {

// --- version and errors ------------------------------------------------------

const char* hoop_version(void) { return HOOP_VERSION_STRING; }
unsigned hoop_version_number(void) { return HOOP_VERSION_NUMBER; }

const char* hoop_status_name(hoop_status status) {
  switch (Raw(status)) {
    case HOOP_OK: return "OK";
    case HOOP_CANCELLED: return "CANCELLED";
    case HOOP_UNKNOWN: return "UNKNOWN";
    case HOOP_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case HOOP_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case HOOP_NOT_FOUND: return "NOT_FOUND";
    case HOOP_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case HOOP_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case HOOP_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case HOOP_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case HOOP_ABORTED: return "ABORTED";
    case HOOP_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case HOOP_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case HOOP_INTERNAL: return "INTERNAL";
    case HOOP_UNAVAILABLE: return "UNAVAILABLE";
    case HOOP_DATA_LOSS: return "DATA_LOSS";
    case HOOP_UNAUTHENTICATED: return "UNAUTHENTICATED";
  }
  return "UNKNOWN_STATUS";
}

hoop_status hoop_error_code(const hoop_error* err) {
  return err == nullptr ? HOOP_OK : err->code;
}
const char* hoop_error_message(const hoop_error* err) {
  return err == nullptr ? "" : err->message.c_str();
}
void hoop_error_free(hoop_error* err) {
  if (err != &kOutOfMemory) delete err;
}

// --- policy ------------------------------------------------------------------

hoop_status hoop_policy_new_from_text(const char* text, size_t text_len,
                                      const char* source_name,
                                      hoop_policy** out, hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  if (text == nullptr && text_len != 0) return Invalid(err, "text is NULL");
  return Guard(err, [&] {
    auto p = hpol::Policy::FromText(
        View(text, text_len), source_name ? source_name : "<policy>");
    if (!p.ok()) return FromStatus(p.status(), err);
    *out = new hoop_policy{*std::move(p)};
    return Ok(err);
  });
}

hoop_status hoop_policy_new_from_file(const char* path, hoop_policy** out,
                                      hoop_error** err) {
  if (out == nullptr || path == nullptr) {
    return Invalid(err, "path and out must not be NULL");
  }
  return Guard(err, [&] {
    auto p = hpol::Policy::FromFile(path);
    if (!p.ok()) return FromStatus(p.status(), err);
    *out = new hoop_policy{*std::move(p)};
    return Ok(err);
  });
}

void hoop_policy_free(hoop_policy* policy) { delete policy; }

size_t hoop_policy_rule_count(const hoop_policy* policy) {
  return policy == nullptr ? 0 : policy->policy->rule_count();
}
const char* hoop_policy_name(const hoop_policy* policy) {
  return policy == nullptr ? "" : policy->policy->name().c_str();
}

// --- masker ------------------------------------------------------------------

hoop_status hoop_masker_new_default(hoop_masker** out, hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  return Guard(err, [&] {
    *out = new hoop_masker(hm::Masker::Default());
    return Ok(err);
  });
}

hoop_status hoop_masker_new_from_text(const char* text, size_t text_len,
                                      const char* source_name,
                                      hoop_masker** out, hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  if (text == nullptr && text_len != 0) return Invalid(err, "text is NULL");
  return Guard(err, [&] {
    auto m = hm::CompileProfile(View(text, text_len),
                                source_name ? source_name : "<profile>");
    if (!m.ok()) return FromStatus(m.status(), err);
    *out = new hoop_masker(*std::move(m));
    return Ok(err);
  });
}

hoop_status hoop_masker_new_from_file(const char* path, hoop_masker** out,
                                      hoop_error** err) {
  if (out == nullptr || path == nullptr) {
    return Invalid(err, "path and out must not be NULL");
  }
  return Guard(err, [&] {
    auto m = hm::LoadMasker(path);
    if (!m.ok()) return FromStatus(m.status(), err);
    *out = new hoop_masker(*std::move(m));
    return Ok(err);
  });
}

void hoop_masker_free(hoop_masker* masker) { delete masker; }

size_t hoop_masker_num_counters(const hoop_masker* masker) {
  return masker == nullptr ? 0 : masker->counter_names.size();
}

const char* hoop_masker_counter_name(const hoop_masker* masker, size_t i) {
  if (masker == nullptr || i >= masker->counter_names.size()) return nullptr;
  return masker->counter_names[i].c_str();
}

hoop_status hoop_mask_scratch_new(hoop_mask_scratch** out, hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  return Guard(err, [&] {
    *out = new hoop_mask_scratch();
    return Ok(err);
  });
}

void hoop_mask_scratch_free(hoop_mask_scratch* scratch) { delete scratch; }

void hoop_mask_scratch_reset(hoop_mask_scratch* scratch) {
  if (scratch != nullptr) scratch->arena.Reset();
}

void hoop_mask_scratch_count(const hoop_mask_scratch* scratch, size_t i,
                             uint64_t* values, uint64_t* bytes) {
  hm::MaskCounters::Count c;
  if (scratch != nullptr) c = scratch->counters[i];
  if (values != nullptr) *values = c.values;
  if (bytes != nullptr) *bytes = c.bytes;
}

hoop_status hoop_masker_mask_cell(const hoop_masker* masker,
                                  hoop_mask_scratch* scratch,
                                  const char* column_name,
                                  size_t column_name_len,
                                  const char* column_type,
                                  size_t column_type_len, const char* value,
                                  size_t value_len, const char** out,
                                  size_t* out_len, hoop_error** err) {
  if (masker == nullptr || scratch == nullptr || out == nullptr ||
      out_len == nullptr) {
    return Invalid(err, "masker, scratch, out and out_len must not be NULL");
  }
  if ((column_name == nullptr && column_name_len != 0) ||
      (column_type == nullptr && column_type_len != 0) ||
      (value == nullptr && value_len != 0)) {
    return Invalid(err, "a NULL pointer with a nonzero length");
  }
  return Guard(err, [&] {
    // An empty view with a non-null pointer: MaskCell's "unchanged" answer
    // is the input's own data pointer, so it must be one we can recognise.
    static const char kEmpty[1] = {0};
    const std::string_view in(value != nullptr ? value : kEmpty, value_len);
    const std::string_view r = masker->masker->MaskCell(
        View(column_name, column_name_len), View(column_type, column_type_len),
        in, &scratch->arena, &scratch->counters);
    if (r.data() == in.data() && r.size() == in.size()) {
      *out = nullptr;
      *out_len = value_len;
    } else {
      *out = r.data();
      *out_len = r.size();
    }
    return Ok(err);
  });
}

hoop_status hoop_masker_mask_buffer(const hoop_masker* masker,
                                    hoop_mask_scratch* scratch,
                                    const char* data, size_t data_len,
                                    const char** out, size_t* out_len,
                                    hoop_error** err) {
  if (masker == nullptr || scratch == nullptr || out == nullptr ||
      out_len == nullptr) {
    return Invalid(err, "masker, scratch, out and out_len must not be NULL");
  }
  if (data == nullptr && data_len != 0) return Invalid(err, "data is NULL");
  return Guard(err, [&] {
    const std::string_view in = View(data, data_len);
    std::string& staged = scratch->stream_out;
    staged.clear();
    hm::StreamMasker stream(*masker->masker, &scratch->counters);
    stream.Write(in, &staged);
    stream.Finish(&staged);
    if (staged == in) {
      *out = nullptr;
      *out_len = data_len;
    } else {
      const std::string_view kept = scratch->arena.Copy(staged);
      *out = kept.data();
      *out_len = kept.size();
    }
    if (staged.capacity() > (size_t{4} << 20)) std::string().swap(staged);
    return Ok(err);
  });
}

hoop_status hoop_stream_masker_new(const hoop_masker* masker,
                                   hoop_stream_masker** out, hoop_error** err) {
  if (masker == nullptr || out == nullptr) {
    return Invalid(err, "masker and out must not be NULL");
  }
  return Guard(err, [&] {
    *out = new hoop_stream_masker(masker->masker);
    return Ok(err);
  });
}

void hoop_stream_masker_free(hoop_stream_masker* stream) { delete stream; }

hoop_status hoop_stream_masker_write(hoop_stream_masker* stream,
                                     const char* data, size_t data_len,
                                     const char** out, size_t* out_len,
                                     hoop_error** err) {
  if (stream == nullptr || out == nullptr || out_len == nullptr) {
    return Invalid(err, "stream, out and out_len must not be NULL");
  }
  if (data == nullptr && data_len != 0) return Invalid(err, "data is NULL");
  return Guard(err, [&] {
    stream->out.clear();
    stream->stream.Write(View(data, data_len), &stream->out);
    *out = stream->out.data();
    *out_len = stream->out.size();
    return Ok(err);
  });
}

hoop_status hoop_stream_masker_finish(hoop_stream_masker* stream,
                                      const char** out, size_t* out_len,
                                      hoop_error** err) {
  if (stream == nullptr || out == nullptr || out_len == nullptr) {
    return Invalid(err, "stream, out and out_len must not be NULL");
  }
  return Guard(err, [&] {
    stream->out.clear();
    stream->stream.Finish(&stream->out);
    *out = stream->out.data();
    *out_len = stream->out.size();
    return Ok(err);
  });
}

// --- identity ----------------------------------------------------------------

hoop_status hoop_identity_new(const char* subject, const char* email,
                              const char* const* groups, size_t n_groups,
                              hoop_identity_kind kind, hoop_identity** out,
                              hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  if (groups == nullptr && n_groups != 0) return Invalid(err, "groups is NULL");
  const int k = Raw(kind);
  if (k != HOOP_IDENTITY_PERSON && k != HOOP_IDENTITY_NON_HUMAN) {
    return Invalid(err, "kind is neither PERSON nor NON_HUMAN");
  }
  for (size_t i = 0; i < n_groups; ++i) {
    if (groups[i] == nullptr) return Invalid(err, "a group is NULL");
  }
  return Guard(err, [&] {
    auto id = std::make_unique<hoop_identity>();
    id->identity.subject = Str(subject);
    id->identity.email = Str(email);
    id->identity.groups.assign(groups, groups + n_groups);
    id->identity.kind = static_cast<hpol::IdentityKind>(k);
    *out = id.release();
    return Ok(err);
  });
}

hoop_status hoop_identity_new_from_token(const char* token, size_t token_len,
                                         const char* jwks_json,
                                         size_t jwks_json_len,
                                         const char* issuer,
                                         const char* audience,
                                         hoop_identity** out,
                                         hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  if ((token == nullptr && token_len != 0) ||
      (jwks_json == nullptr && jwks_json_len != 0)) {
    return Invalid(err, "a NULL pointer with a nonzero length");
  }
  if (issuer == nullptr || *issuer == '\0' || audience == nullptr ||
      *audience == '\0') {
    return Invalid(err, "an issuer and an audience are required");
  }
  return Guard(err, [&] {
    auto jwks = hpol::Jwks::Parse(View(jwks_json, jwks_json_len));
    if (!jwks.ok()) {
      return Fail(err, HOOP_INVALID_ARGUMENT,
                  "JWKS: " + std::string(hoop::StdSv(jwks.status().message())));
    }
    hpol::TokenVerifierOptions o;
    o.issuer = issuer;
    o.audiences = {audience};
    const hpol::TokenVerifier verifier(*std::move(jwks), std::move(o));
    auto who = verifier.Verify(View(token, token_len));
    if (!who.ok()) {
      // Every refused token, malformed ones included, is UNAUTHENTICATED:
      // bindings map it to one "not authenticated" error.
      const hoop_status code = hpol::GetTokenError(who.status()).has_value()
                                   ? HOOP_UNAUTHENTICATED
                                   : CodeOf(who.status().code());
      return Fail(err, code, hoop::StdSv(who.status().message()));
    }
    *out = new hoop_identity{*std::move(who)};
    return Ok(err);
  });
}

void hoop_identity_free(hoop_identity* identity) { delete identity; }

const char* hoop_identity_subject(const hoop_identity* identity) {
  return identity == nullptr ? "" : identity->identity.subject.c_str();
}
const char* hoop_identity_email(const hoop_identity* identity) {
  return identity == nullptr ? "" : identity->identity.email.c_str();
}
const char* hoop_identity_name(const hoop_identity* identity) {
  return identity == nullptr ? "" : identity->identity.name.c_str();
}
const char* hoop_identity_issuer(const hoop_identity* identity) {
  return identity == nullptr ? "" : identity->identity.issuer.c_str();
}
const char* hoop_identity_client_id(const hoop_identity* identity) {
  return identity == nullptr ? "" : identity->identity.client_id.c_str();
}
hoop_identity_kind hoop_identity_get_kind(const hoop_identity* identity) {
  return identity == nullptr
             ? HOOP_IDENTITY_PERSON
             : static_cast<hoop_identity_kind>(identity->identity.kind);
}
size_t hoop_identity_group_count(const hoop_identity* identity) {
  return identity == nullptr ? 0 : identity->identity.groups.size();
}
const char* hoop_identity_group(const hoop_identity* identity, size_t i) {
  if (identity == nullptr || i >= identity->identity.groups.size()) {
    return nullptr;
  }
  return identity->identity.groups[i].c_str();
}
int64_t hoop_identity_expires_unix(const hoop_identity* identity) {
  if (identity == nullptr ||
      identity->identity.expires == absl::InfiniteFuture()) {
    return std::numeric_limits<int64_t>::max();
  }
  return absl::ToUnixSeconds(identity->identity.expires);
}

// --- recorder ----------------------------------------------------------------

static hoop_status NewRecorder(hoop_recorder::Kind kind, const char* location,
                               hoop_recorder** out, hoop_error** err) {
  if (out == nullptr) return Invalid(err, "out is NULL");
  if (location == nullptr || *location == '\0') {
    return Invalid(err, kind == hoop_recorder::Kind::kDir
                            ? "the record directory is empty"
                            : "the record file path is empty");
  }
  return Guard(err, [&] {
    auto r = std::make_unique<hoop_recorder>();
    r->kind = kind;
    r->location = location;
    *out = r.release();
    return Ok(err);
  });
}

hoop_status hoop_recorder_new_dir(const char* dir, hoop_recorder** out,
                                  hoop_error** err) {
  return NewRecorder(hoop_recorder::Kind::kDir, dir, out, err);
}

hoop_status hoop_recorder_new_file(const char* path, hoop_recorder** out,
                                   hoop_error** err) {
  return NewRecorder(hoop_recorder::Kind::kFile, path, out, err);
}

hoop_status hoop_recorder_new_callback(hoop_record_write_fn write,
                                       hoop_record_close_fn close_fn,
                                       void* user, hoop_recorder** out,
                                       hoop_error** err) {
  if (out == nullptr || write == nullptr) {
    return Invalid(err, "write and out must not be NULL");
  }
  return Guard(err, [&] {
    auto r = std::make_unique<hoop_recorder>();
    r->kind = hoop_recorder::Kind::kCallback;
    r->write = write;
    r->close = close_fn;
    r->user = user;
    *out = r.release();
    return Ok(err);
  });
}

void hoop_recorder_free(hoop_recorder* recorder) { delete recorder; }

hoop_status hoop_recorder_set_signing_key_pem(hoop_recorder* recorder,
                                              const char* pem, size_t pem_len,
                                              hoop_error** err) {
  if (recorder == nullptr) return Invalid(err, "recorder is NULL");
  if (pem == nullptr && pem_len != 0) return Invalid(err, "pem is NULL");
  return Guard(err, [&] {
    auto key = hs::SigningKey::FromPem(View(pem, pem_len));
    if (!key.ok()) return FromStatus(key.status(), err);
    recorder->signing_key = *std::move(key);
    return Ok(err);
  });
}

hoop_status hoop_recorder_set_durability(hoop_recorder* recorder,
                                         hoop_durability durability,
                                         int64_t sync_interval_ms,
                                         hoop_error** err) {
  if (recorder == nullptr) return Invalid(err, "recorder is NULL");
  switch (Raw(durability)) {
    case HOOP_DURABILITY_EVERY_RECORD:
      recorder->durability = hs::Durability::kEveryRecord;
      return Ok(err);
    case HOOP_DURABILITY_INTERVAL:
      if (sync_interval_ms <= 0) {
        return Invalid(err, "sync_interval_ms must be > 0");
      }
      recorder->durability = hs::Durability::kInterval;
      recorder->sync_interval_ms = sync_interval_ms;
      return Ok(err);
    case HOOP_DURABILITY_AT_CLOSE:
      recorder->durability = hs::Durability::kAtClose;
      return Ok(err);
  }
  return Invalid(err, "unknown durability");
}

hoop_status hoop_recorder_set_queue_capacity(hoop_recorder* recorder,
                                             size_t records, hoop_error** err) {
  if (recorder == nullptr) return Invalid(err, "recorder is NULL");
  recorder->queue_capacity = records;
  return Ok(err);
}

hoop_status hoop_recorder_set_checkpoint_every(hoop_recorder* recorder,
                                               uint32_t records,
                                               hoop_error** err) {
  if (recorder == nullptr) return Invalid(err, "recorder is NULL");
  if (records == 0) return Invalid(err, "checkpoint_every must be > 0");
  recorder->checkpoint_every = records;
  return Ok(err);
}

// --- session options ---------------------------------------------------------

hoop_session_options* hoop_session_options_new(void) {
  return new (std::nothrow) hoop_session_options();
}

void hoop_session_options_free(hoop_session_options* options) {
  delete options;
}

#define HOOP_OPTIONS_CHECK(options) \
  if ((options) == nullptr) return Invalid(err, "options is NULL")

hoop_status hoop_session_options_set_session_id(hoop_session_options* options,
                                                const char* session_id,
                                                hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  return Guard(err, [&] {
    options->session_id = Str(session_id);
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_policy(hoop_session_options* options,
                                            const hoop_policy* policy,
                                            hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  options->policy = policy == nullptr ? nullptr : policy->policy;
  return Ok(err);
}

hoop_status hoop_session_options_set_identity(hoop_session_options* options,
                                              const hoop_identity* identity,
                                              hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  return Guard(err, [&] {
    options->identity =
        identity == nullptr ? hpol::Identity() : identity->identity;
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_resource(hoop_session_options* options,
                                              const char* name,
                                              hoop_resource_kind kind,
                                              hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  const int k = Raw(kind);
  if (k < HOOP_RESOURCE_UNSPECIFIED || k > HOOP_RESOURCE_KUBERNETES) {
    return Invalid(err, "unknown resource kind");
  }
  return Guard(err, [&] {
    options->resource.name = Str(name);
    options->resource.kind = static_cast<hpol::ResourceKind>(k);
    return Ok(err);
  });
}

hoop_status hoop_session_options_add_resource_label(
    hoop_session_options* options, const char* key, const char* value,
    hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  if (key == nullptr || *key == '\0') return Invalid(err, "label key is empty");
  return Guard(err, [&] {
    options->resource.labels.emplace_back(key, Str(value));
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_masker(hoop_session_options* options,
                                            const hoop_masker* masker,
                                            hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  options->masker = masker == nullptr ? nullptr : masker->masker;
  return Ok(err);
}

hoop_status hoop_session_options_add_profile(hoop_session_options* options,
                                             const char* name,
                                             const hoop_masker* masker,
                                             hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  if (name == nullptr || *name == '\0' || masker == nullptr) {
    return Invalid(err, "a profile needs a name and a masker");
  }
  return Guard(err, [&] {
    options->profiles[name] = masker->masker;
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_recorder(hoop_session_options* options,
                                              const hoop_recorder* recorder,
                                              hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  return Guard(err, [&] {
    if (recorder == nullptr) {
      options->recorder.reset();
    } else {
      options->recorder = *recorder;
    }
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_ssl(hoop_session_options* options,
                                         hoop_pg_encryption ssl,
                                         hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  if (!ValidEncryption(Raw(ssl))) return Invalid(err, "unknown ssl answer");
  options->ssl = static_cast<hoop_pg_encryption>(Raw(ssl));
  return Ok(err);
}

hoop_status hoop_session_options_set_gssenc(hoop_session_options* options,
                                            hoop_pg_encryption gssenc,
                                            hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  if (!ValidEncryption(Raw(gssenc))) {
    return Invalid(err, "unknown gssenc answer");
  }
  options->gssenc = static_cast<hoop_pg_encryption>(Raw(gssenc));
  return Ok(err);
}

hoop_status hoop_session_options_set_start(hoop_session_options* options,
                                           hoop_pg_start start,
                                           hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  const int v = Raw(start);
  if (v != HOOP_PG_START_STARTUP && v != HOOP_PG_START_NORMAL) {
    return Invalid(err, "unknown start phase");
  }
  options->start = static_cast<hoop_pg_start>(v);
  return Ok(err);
}

hoop_status hoop_session_options_set_notify_review(
    hoop_session_options* options, int notify, hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  options->notify_review = notify != 0;
  return Ok(err);
}

hoop_status hoop_session_options_set_review_timeout_ms(
    hoop_session_options* options, int64_t timeout_ms, hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  if (timeout_ms <= 0) return Invalid(err, "review timeout must be > 0");
  options->review_timeout_ms = timeout_ms;
  return Ok(err);
}

hoop_status hoop_session_options_set_max_held_bytes(
    hoop_session_options* options, size_t max_held_bytes, hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  options->max_held_bytes = max_held_bytes;
  return Ok(err);
}

hoop_status hoop_session_options_set_max_message_size(
    hoop_session_options* options, uint32_t max_message_size,
    hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  if (max_message_size == 0 || max_message_size > (1u << 30)) {
    return Invalid(err, "max_message_size must be in (0, 1 GiB]");
  }
  options->max_message_size = max_message_size;
  return Ok(err);
}

hoop_status hoop_session_options_set_client_address(
    hoop_session_options* options, const char* address, hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  return Guard(err, [&] {
    options->client_address = Str(address);
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_gateway_id(hoop_session_options* options,
                                                const char* gateway_id,
                                                hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  return Guard(err, [&] {
    options->gateway_id = Str(gateway_id);
    return Ok(err);
  });
}

hoop_status hoop_session_options_set_clock(hoop_session_options* options,
                                           hoop_clock_fn now_ms, void* user,
                                           hoop_error** err) {
  HOOP_OPTIONS_CHECK(options);
  options->clock = now_ms;
  options->clock_user = now_ms == nullptr ? nullptr : user;
  return Ok(err);
}

#undef HOOP_OPTIONS_CHECK

// --- session -----------------------------------------------------------------

hoop_status hoop_session_new_postgres(const hoop_session_options* options,
                                      hoop_session** out, hoop_error** err) {
  if (options == nullptr || out == nullptr) {
    return Invalid(err, "options and out must not be NULL");
  }
  return Guard(err, [&] {
    hs::PostgresOptions o;
    o.common.session_id = options->session_id;
    o.common.identity = options->identity;
    o.common.resource = options->resource;
    o.common.policy = options->policy;
    o.common.review_timeout = absl::Milliseconds(options->review_timeout_ms);
    o.common.max_held_bytes = options->max_held_bytes;
    o.common.client_address = options->client_address;
    o.common.gateway_id = options->gateway_id;
    if (options->clock != nullptr) {
      const hoop_clock_fn clock = options->clock;
      void* user = options->clock_user;
      o.common.clock = [clock, user]() {
        return absl::FromUnixMillis(clock(user));
      };
    }
    o.masker = options->masker;
    for (const auto& [name, masker] : options->profiles) {
      o.profiles.emplace(name, masker);
    }
    o.ssl = EncryptionOf(options->ssl);
    o.gssenc = EncryptionOf(options->gssenc);
    using Start = decltype(o.start);
    o.start = options->start == HOOP_PG_START_NORMAL ? Start::kNormal
                                                     : Start::kStartup;
    o.notify_review = options->notify_review;
    o.decoder.max_message_size = options->max_message_size;
    o.decoder.start = o.start;
    if (options->recorder.has_value()) {
      // NewPostgresSession checks the session id too; check it first so a
      // recorder is not made (a file created) for a session refused anyway.
      if (options->session_id.empty()) {
        return Invalid(err, "session_id is required");
      }
      auto rec = MakeRecorder(*options->recorder, options->session_id,
                              options->clock, options->clock_user);
      if (!rec.ok()) return FromStatus(rec.status(), err);
      o.recorder = *std::move(rec);
    }
    auto session = hs::NewPostgresSession(std::move(o));
    if (!session.ok()) return FromStatus(session.status(), err);
    auto s = std::make_unique<hoop_session>();
    s->session = *std::move(session);
    *out = s.release();
    return Ok(err);
  });
}

void hoop_session_free(hoop_session* session) {
  if (session == nullptr) return;
  try {
    if (!session->finished) {
      session->session->Finish(HOOP_END_UNSPECIFIED,
                               "hoop_session_free without hoop_session_finish");
    }
  } catch (...) {
    // Freeing must not fail; the records then end without a SessionEnd.
  }
  delete session;
}

hoop_status hoop_session_feed(hoop_session* session, hoop_direction from,
                              const uint8_t* data, size_t len,
                              hoop_error** err) {
  const int dir = Raw(from);
  return Guard(err, [&] { return Feed(session, dir, data, len, true, err); });
}

hoop_status hoop_session_feed_borrowed(hoop_session* session,
                                       hoop_direction from,
                                       const uint8_t* data, size_t len,
                                       hoop_error** err) {
  const int dir = Raw(from);
  return Guard(err, [&] { return Feed(session, dir, data, len, false, err); });
}

hoop_status hoop_session_resolve(hoop_session* session, const char* request_id,
                                 hoop_resolution resolution,
                                 const char* approver, const char* reason,
                                 hoop_error** err) {
  if (session == nullptr) return Invalid(err, "session is NULL");
  SetOutput(session, nullptr);
  if (request_id == nullptr) return Invalid(err, "request_id is NULL");
  const int r = Raw(resolution);
  if (r != HOOP_RESOLUTION_APPROVE && r != HOOP_RESOLUTION_DENY) {
    return Invalid(err, "resolution must be APPROVE or DENY");
  }
  if (session->finished) {
    return Fail(err, HOOP_FAILED_PRECONDITION, "the session is finished");
  }
  return Guard(err, [&] {
    const std::vector<std::string> held = session->session->held_requests();
    if (std::find(held.begin(), held.end(), std::string_view(request_id)) ==
        held.end()) {
      return Fail(err, HOOP_NOT_FOUND,
                  "no command is held under request id \"" +
                      std::string(request_id) + "\"");
    }
    SetOutput(session, &session->session->Resolve(
                           request_id, static_cast<hs::Resolution>(r),
                           approver == nullptr ? "" : approver,
                           reason == nullptr ? "" : reason));
    return Ok(err);
  });
}

hoop_status hoop_session_tick(hoop_session* session, hoop_error** err) {
  if (session == nullptr) return Invalid(err, "session is NULL");
  SetOutput(session, nullptr);
  if (session->finished) {
    return Fail(err, HOOP_FAILED_PRECONDITION, "the session is finished");
  }
  return Guard(err, [&] {
    SetOutput(session, &session->session->Tick());
    return Ok(err);
  });
}

int64_t hoop_session_next_deadline_ms(const hoop_session* session) {
  if (session == nullptr || session->finished) return -1;
  try {
    const absl::Time t = session->session->next_deadline();
    if (t == absl::InfiniteFuture()) return -1;
    return absl::ToUnixMillis(t);
  } catch (...) {
    return -1;
  }
}

hoop_status hoop_session_finish(hoop_session* session, hoop_end_reason reason,
                                const char* detail, hoop_error** err) {
  if (session == nullptr) return Invalid(err, "session is NULL");
  SetOutput(session, nullptr);
  if (session->finished) return Ok(err);
  const int why = Raw(reason);
  if (why < HOOP_END_UNSPECIFIED || why > HOOP_END_IDLE_TIMEOUT) {
    return Invalid(err, "unknown end reason");
  }
  return Guard(err, [&] {
    session->finished = true;
    SetOutput(session, &session->session->Finish(
                           why,
                           detail == nullptr ? "" : detail));
    return Ok(err);
  });
}

const hoop_slice* hoop_session_to_server(const hoop_session* session,
                                         size_t* count) {
  return Slices(session, true, count);
}
const hoop_slice* hoop_session_to_client(const hoop_session* session,
                                         size_t* count) {
  return Slices(session, false, count);
}
size_t hoop_session_to_server_bytes(const hoop_session* session) {
  return SliceBytes(session, true);
}
size_t hoop_session_to_client_bytes(const hoop_session* session) {
  return SliceBytes(session, false);
}
hoop_status hoop_session_to_server_joined(hoop_session* session,
                                          const uint8_t** data, size_t* len,
                                          hoop_error** err) {
  return Joined(session, true, data, len, err);
}
hoop_status hoop_session_to_client_joined(hoop_session* session,
                                          const uint8_t** data, size_t* len,
                                          hoop_error** err) {
  return Joined(session, false, data, len, err);
}

size_t hoop_session_event_count(const hoop_session* session) {
  return session == nullptr ? 0 : session->events.size();
}
const hoop_event* hoop_session_event(const hoop_session* session, size_t i) {
  if (session == nullptr || i >= session->events.size()) return nullptr;
  return &session->events[i];
}
int hoop_session_should_close(const hoop_session* session) {
  return session != nullptr && session->output != nullptr &&
                 session->output->close
             ? 1
             : 0;
}

size_t hoop_session_held_count(hoop_session* session) {
  if (session == nullptr) return 0;
  try {
    session->held = session->session->held_requests();
  } catch (...) {
    session->held.clear();
  }
  return session->held.size();
}
const char* hoop_session_held_request(const hoop_session* session, size_t i) {
  if (session == nullptr || i >= session->held.size()) return nullptr;
  return session->held[i].c_str();
}

void hoop_session_get_stats(const hoop_session* session,
                            hoop_session_stats* out, size_t out_size) {
  if (out == nullptr) return;
  hoop_session_stats c{};
  if (session != nullptr) {
    const hs::SessionStats& s = session->session->stats();
    c.bytes_client_to_server = s.bytes_client_to_server;
    c.bytes_server_to_client = s.bytes_server_to_client;
    c.bytes_forwarded_to_server = s.bytes_forwarded_to_server;
    c.bytes_forwarded_to_client = s.bytes_forwarded_to_client;
    c.commands = s.commands;
    c.allowed = s.allowed;
    c.denied = s.denied;
    c.reviewed = s.reviewed;
    c.rows = s.rows;
    c.rows_rewritten = s.rows_rewritten;
    c.cells_masked = s.cells_masked;
    c.binary_cells_unmasked = s.binary_cells_unmasked;
    c.held_bytes = s.held_bytes;
  }
  std::memcpy(out, &c, std::min(out_size, sizeof(c)));
}

}  // extern "C"
