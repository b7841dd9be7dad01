// Copyright 2026 The hoop Authors.
//
// The gateway's configuration: one YAML file.
//
//   absl::StatusOr<GatewayConfig> c = LoadConfig("gateway.yaml");
//   if (!c.ok()) // "gateway.yaml:12:7: resources[0].upstream.port: expected
//                //  an integer in 1..65535"
//
// Format (relative paths are relative to the file's directory):
//
//   listen: {address: 127.0.0.1, port: 6432}
//   tls: {cert_file: gw.crt, key_file: gw.key, require: true}
//                                       # SSLRequest → 'S' + handshake;
//                                       # require: refuse plain clients
//   allow_cleartext_on_loopback: true   # ask for the token in cleartext on a
//                                       # loopback client without TLS
//   admin: {address: 127.0.0.1, port: 6480,   # approvals and metrics (HTTP)
//           require_token: true}   # approvers authenticate with an ID token
//   records_dir: records                 # one <session>.hooprec per session
//   signing_key_file: records.key        # optional Ed25519 PEM: signed
//                                        # checkpoints in the records
//   gateway_id: gw-1                     # optional, recorded
//   review_timeout_seconds: 300          # optional
//   log_statements: false                # optional: log allowed statements
//                                        # too (denied and held always are)
//   resources:
//     - name: shop                       # what clients give as dbname
//       upstream: {host: 127.0.0.1, port: 5432, database: shop,
//                  user: app, password: secret,
//                  credential: shop-app,     # optional: its name in records
//                  tls: {mode: verify-full,  # disable (default), require,
//                        ca_file: ca.crt,    # verify-ca, verify-full
//                        server_name: db.internal}}   # default: host
//       policy_file: policy.yaml
//       masking: default                 # or {profile_file: pii.yaml},
//                                        # or none
//       oidc:
//         jwks_file: jwks.json
//         issuer: https://idp.example.com
//         audience: hoop-gateway
//         groups_claim: groups           # optional
//         kind_claim: kind               # optional: marks non-human ...
//         non_human_values: [agent]      # ... when its value is one of these
//
// Unknown fields are errors, so a misspelt key is not silently ignored.

#ifndef HOOP_EXAMPLES_POSTGRES_GATEWAY_CONFIG_H_
#define HOOP_EXAMPLES_POSTGRES_GATEWAY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hoop::gateway {

struct Endpoint {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (the chosen one is logged)
};

struct OidcConfig {
  std::string jwks_file;
  std::string issuer;
  std::vector<std::string> audiences;
  std::string groups_claim = "groups";
  std::string kind_claim;
  std::vector<std::string> non_human_values;
  std::vector<std::string> non_human_client_ids;
};

struct ResourceConfig {
  std::string name;
  std::string host = "127.0.0.1";
  std::uint16_t port = 5432;
  std::string database;
  std::string user;
  std::string password;
  // The credential's name for records and access reviews (never the
  // password); default "<user>@<host>:<port>/<database>".
  std::string credential;
  // upstream.tls: see upstream.h for what each mode checks.
  enum class UpstreamTls { kDisable, kRequire, kVerifyCa, kVerifyFull };
  UpstreamTls tls_mode = UpstreamTls::kDisable;
  std::string tls_ca_file;      // PEM roots for verify-ca / verify-full
  std::string tls_server_name;  // verify-full: the name the certificate
                                // must carry; default: host
  std::string policy_file;
  enum class Masking { kDefault, kProfile, kNone } masking = Masking::kDefault;
  std::string masking_profile_file;
  OidcConfig oidc;
};

struct GatewayConfig {
  std::string source;  // the file it came from
  Endpoint listen;
  bool allow_cleartext_on_loopback = false;
  bool has_tls = false;
  std::string tls_cert_file;  // PEM chain
  std::string tls_key_file;   // PEM private key
  bool tls_require = false;   // refuse clients that do not ask for TLS
  bool has_admin = false;
  Endpoint admin;
  // admin.require_token: approve/deny need `Authorization: Bearer <ID
  // token>` (verified against the held command's resource's JWKS); the
  // approver is the token's subject, who must be in one of the held rule's
  // review.approver_groups and not the command's requester.
  bool admin_require_token = false;
  std::string records_dir;
  std::string signing_key_file;
  std::string gateway_id = "hoop-pg-gateway";
  int review_timeout_seconds = 300;
  bool log_statements = false;  // log allowed statements too (stderr)
  std::vector<ResourceConfig> resources;
};

// Reads, parses and checks the file. kInvalidArgument names the line, the
// column and the field: "<file>:<line>:<column>: <field>: <problem>";
// kNotFound when the file cannot be read.
absl::StatusOr<GatewayConfig> LoadConfig(const std::string& path);

// Same, from text; `source` names it in errors and relative paths resolve
// against `base_dir`.
absl::StatusOr<GatewayConfig> ParseConfig(const std::string& text,
                                          const std::string& source,
                                          const std::string& base_dir);

}  // namespace hoop::gateway

#endif  // HOOP_EXAMPLES_POSTGRES_GATEWAY_CONFIG_H_
