// Copyright 2026 The hoop Authors.

#include "config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace hoop::gateway {
namespace {

// Thrown inside this file only; ParseConfig turns it into a Status.
struct ConfigError {
  YAML::Mark mark;
  std::string field;
  std::string problem;
};

[[noreturn]] void Fail(const YAML::Node& node, std::string field,
                       std::string problem) {
  throw ConfigError{node.Mark(), std::move(field), std::move(problem)};
}

std::string Join(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return base + "/" + path;
}

// Checks that `node` is a map whose keys are all in `allowed`.
void CheckMap(const YAML::Node& node, const std::string& field,
              const std::set<std::string>& allowed) {
  if (!node.IsMap()) Fail(node, field, "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (allowed.count(key) == 0) {
      std::string list;
      for (const std::string& a : allowed)
        list += (list.empty() ? "" : ", ") + a;
      Fail(kv.first, field.empty() ? key : field + "." + key,
           "unknown field (expected one of: " + list + ")");
    }
  }
}

std::string String(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) Fail(node, field, "expected a string");
  return node.Scalar();
}

std::string NonEmpty(const YAML::Node& parent, const std::string& key,
                     const std::string& field) {
  const YAML::Node n = parent[key];
  if (!n) Fail(parent, field, "required");
  std::string s = String(n, field);
  if (s.empty()) Fail(n, field, "must not be empty");
  return s;
}

long long Integer(const YAML::Node& node, const std::string& field,
                  long long lo, long long hi) {
  const std::string what = "expected an integer in " + std::to_string(lo) +
                           ".." + std::to_string(hi);
  if (!node.IsScalar()) Fail(node, field, what);
  const std::string& s = node.Scalar();
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (...) {
    Fail(node, field, what);
  }
  if (used != s.size() || v < lo || v > hi) Fail(node, field, what);
  return v;
}

bool Bool(const YAML::Node& node, const std::string& field) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  Fail(node, field, "expected true or false");
}

std::vector<std::string> Strings(const YAML::Node& node,
                                 const std::string& field) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) Fail(node, field, "expected a list of strings");
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(String(node[i], field + "[" + std::to_string(i) + "]"));
  return out;
}

Endpoint ParseEndpoint(const YAML::Node& node, const std::string& field,
                       std::set<std::string> allowed = {"address", "port"}) {
  CheckMap(node, field, allowed);
  Endpoint e;
  if (node["address"]) e.address = String(node["address"], field + ".address");
  if (!node["port"]) Fail(node, field + ".port", "required");
  e.port = static_cast<std::uint16_t>(
      Integer(node["port"], field + ".port", 0, 65535));
  return e;
}

OidcConfig ParseOidc(const YAML::Node& node, const std::string& field,
                     const std::string& base) {
  CheckMap(node, field,
           {"jwks_file", "issuer", "audience", "groups_claim", "kind_claim",
            "non_human_values", "non_human_client_ids"});
  OidcConfig o;
  o.jwks_file = Join(base, NonEmpty(node, "jwks_file", field + ".jwks_file"));
  o.issuer = NonEmpty(node, "issuer", field + ".issuer");
  if (!node["audience"]) Fail(node, field + ".audience", "required");
  o.audiences = Strings(node["audience"], field + ".audience");
  if (o.audiences.empty())
    Fail(node["audience"], field + ".audience", "must not be empty");
  if (node["groups_claim"])
    o.groups_claim = String(node["groups_claim"], field + ".groups_claim");
  if (node["kind_claim"])
    o.kind_claim = String(node["kind_claim"], field + ".kind_claim");
  if (node["non_human_values"])
    o.non_human_values =
        Strings(node["non_human_values"], field + ".non_human_values");
  if (node["non_human_client_ids"])
    o.non_human_client_ids =
        Strings(node["non_human_client_ids"], field + ".non_human_client_ids");
  return o;
}

ResourceConfig ParseResource(const YAML::Node& node, const std::string& field,
                             const std::string& base) {
  CheckMap(node, field, {"name", "upstream", "policy_file", "masking", "oidc"});
  ResourceConfig r;
  r.name = NonEmpty(node, "name", field + ".name");
  const std::string uf = field + ".upstream";
  const YAML::Node up = node["upstream"];
  if (!up) Fail(node, uf, "required");
  CheckMap(
      up, uf,
      {"host", "port", "database", "user", "password", "credential", "tls"});
  if (up["host"]) r.host = String(up["host"], uf + ".host");
  if (up["port"])
    r.port =
        static_cast<std::uint16_t>(Integer(up["port"], uf + ".port", 1, 65535));
  r.database = NonEmpty(up, "database", uf + ".database");
  r.user = NonEmpty(up, "user", uf + ".user");
  if (up["password"]) r.password = String(up["password"], uf + ".password");
  if (up["credential"])
    r.credential = NonEmpty(up, "credential", uf + ".credential");
  else
    r.credential =
        r.user + "@" + r.host + ":" + std::to_string(r.port) + "/" + r.database;
  if (const YAML::Node t = up["tls"]) {
    const std::string tf = uf + ".tls";
    CheckMap(t, tf, {"mode", "ca_file", "server_name"});
    if (!t["mode"]) Fail(t, tf + ".mode", "required");
    const std::string mode = String(t["mode"], tf + ".mode");
    if (mode == "disable") {
      r.tls_mode = ResourceConfig::UpstreamTls::kDisable;
    } else if (mode == "require") {
      r.tls_mode = ResourceConfig::UpstreamTls::kRequire;
    } else if (mode == "verify-ca") {
      r.tls_mode = ResourceConfig::UpstreamTls::kVerifyCa;
    } else if (mode == "verify-full") {
      r.tls_mode = ResourceConfig::UpstreamTls::kVerifyFull;
    } else {
      Fail(t["mode"], tf + ".mode",
           "expected disable, require, verify-ca or verify-full");
    }
    if (t["ca_file"])
      r.tls_ca_file = Join(base, NonEmpty(t, "ca_file", tf + ".ca_file"));
    if (t["server_name"])
      r.tls_server_name = NonEmpty(t, "server_name", tf + ".server_name");
  }
  r.policy_file =
      Join(base, NonEmpty(node, "policy_file", field + ".policy_file"));
  if (const YAML::Node m = node["masking"]) {
    const std::string mf = field + ".masking";
    if (m.IsScalar()) {
      if (m.Scalar() == "default") {
        r.masking = ResourceConfig::Masking::kDefault;
      } else if (m.Scalar() == "none") {
        r.masking = ResourceConfig::Masking::kNone;
      } else {
        Fail(m, mf, "expected default, none or {profile_file: FILE}");
      }
    } else {
      CheckMap(m, mf, {"profile_file"});
      r.masking = ResourceConfig::Masking::kProfile;
      r.masking_profile_file =
          Join(base, NonEmpty(m, "profile_file", mf + ".profile_file"));
    }
  }
  if (!node["oidc"]) Fail(node, field + ".oidc", "required");
  r.oidc = ParseOidc(node["oidc"], field + ".oidc", base);
  return r;
}

GatewayConfig Parse(const YAML::Node& root, const std::string& base) {
  CheckMap(root, "",
           {"listen", "tls", "allow_cleartext_on_loopback", "admin",
            "records_dir", "signing_key_file", "gateway_id",
            "review_timeout_seconds", "log_statements", "resources"});
  GatewayConfig c;
  if (!root["listen"]) Fail(root, "listen", "required");
  c.listen = ParseEndpoint(root["listen"], "listen");
  if (const YAML::Node t = root["tls"]) {
    CheckMap(t, "tls", {"cert_file", "key_file", "require"});
    c.has_tls = true;
    c.tls_cert_file = Join(base, NonEmpty(t, "cert_file", "tls.cert_file"));
    c.tls_key_file = Join(base, NonEmpty(t, "key_file", "tls.key_file"));
    if (t["require"]) c.tls_require = Bool(t["require"], "tls.require");
  }
  if (root["allow_cleartext_on_loopback"])
    c.allow_cleartext_on_loopback = Bool(root["allow_cleartext_on_loopback"],
                                         "allow_cleartext_on_loopback");
  if (root["admin"]) {
    c.has_admin = true;
    c.admin = ParseEndpoint(root["admin"], "admin",
                            {"address", "port", "require_token"});
    if (root["admin"]["require_token"])
      c.admin_require_token =
          Bool(root["admin"]["require_token"], "admin.require_token");
  }
  c.records_dir = Join(base, NonEmpty(root, "records_dir", "records_dir"));
  if (root["signing_key_file"])
    c.signing_key_file =
        Join(base, NonEmpty(root, "signing_key_file", "signing_key_file"));
  if (root["gateway_id"])
    c.gateway_id = NonEmpty(root, "gateway_id", "gateway_id");
  if (root["log_statements"])
    c.log_statements = Bool(root["log_statements"], "log_statements");
  if (root["review_timeout_seconds"])
    c.review_timeout_seconds = static_cast<int>(Integer(
        root["review_timeout_seconds"], "review_timeout_seconds", 1, 86400));
  const YAML::Node res = root["resources"];
  if (!res) Fail(root, "resources", "required");
  if (!res.IsSequence() || res.size() == 0)
    Fail(res, "resources", "expected a non-empty list");
  std::set<std::string> names;
  for (std::size_t i = 0; i < res.size(); ++i) {
    const std::string f = "resources[" + std::to_string(i) + "]";
    ResourceConfig r = ParseResource(res[i], f, base);
    if (!names.insert(r.name).second)
      Fail(res[i]["name"], f + ".name", "duplicate resource name " + r.name);
    c.resources.push_back(std::move(r));
  }
  return c;
}

}  // namespace

absl::StatusOr<GatewayConfig> ParseConfig(const std::string& text,
                                          const std::string& source,
                                          const std::string& base_dir) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull())
      return absl::InvalidArgumentError(source + ": empty configuration");
    GatewayConfig c = Parse(root, base_dir);
    c.source = source;
    return c;
  } catch (const ConfigError& e) {
    std::ostringstream m;
    m << source << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": "
      << (e.field.empty() ? "(top level)" : e.field) << ": " << e.problem;
    return absl::InvalidArgumentError(m.str());
  } catch (const YAML::Exception& e) {
    std::ostringstream m;
    m << source << ":" << e.mark.line + 1 << ":" << e.mark.column + 1
      << ": YAML: " << e.msg;
    return absl::InvalidArgumentError(m.str());
  }
}

absl::StatusOr<GatewayConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string base;
  const std::size_t slash = path.rfind('/');
  if (slash != std::string::npos) base = path.substr(0, slash);
  if (base.empty() && slash == 0) base = "/";
  return ParseConfig(ss.str(), path, base);
}

}  // namespace hoop::gateway
