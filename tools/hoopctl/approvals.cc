// Copyright 2026 The hoop Authors.
//
// hoopctl approvals list|approve|deny: talks to a gateway's admin endpoint
// (examples/postgres_gateway/admin.h) over plain HTTP/1.1 on loopback.
//
//   hoopctl approvals list [--admin http://127.0.0.1:6480] [--json]
//   hoopctl approvals approve ID --as APPROVER --reason TEXT
//   hoopctl approvals deny ID --token ID_TOKEN --reason TEXT
//
// --admin defaults to $HOOP_ADMIN, else http://127.0.0.1:6480. --token
// (default $HOOP_TOKEN) sends `Authorization: Bearer <token>`: a gateway
// with admin.require_token then records the token's subject as the
// approver (and refuses one outside the rule's approver groups); without a
// token, --as names the approver.
// Exit codes: 0 done; 1 the gateway refused (e.g. 404: nothing waits under
// ID); 2 the gateway could not be reached or answered nonsense.

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"

namespace hoop::hoopctl {
namespace {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string error;  // transport problem; status 0
};

// "http://host:port" → host, port. Only http:// (the endpoint is loopback).
bool ParseAdmin(const std::string& url, std::string* host, std::string* port,
                std::string* error) {
  std::string rest = url;
  const std::string scheme = "http://";
  if (rest.rfind(scheme, 0) == 0) {
    rest = rest.substr(scheme.size());
  } else if (rest.find("://") != std::string::npos) {
    *error = "only http:// admin URLs are supported: " + url;
    return false;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) {
    *error = "admin URL needs host:port: " + url;
    return false;
  }
  *host = rest.substr(0, colon);
  *port = rest.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  return true;
}

HttpReply Http(const std::string& admin, const std::string& method,
               const std::string& path, const std::string& body,
               const std::string& token = "") {
  HttpReply r;
  std::string host, port;
  if (!ParseAdmin(admin, &host, &port, &r.error)) return r;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int e = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
      e != 0) {
    r.error = "cannot resolve " + host + ": " + gai_strerror(e);
    return r;
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    r.error = "cannot connect to " + admin;
    return r;
  }
  const std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port +
      (token.empty() ? "" : "\r\nAuthorization: Bearer " + token) +
      "\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      r.error = "send to " + admin + " failed";
      return r;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string in;
  char buf[8192];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
    if (in.size() > (std::size_t{16} << 20)) break;
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (the server closes after one reply).
  const std::size_t end = in.find("\r\n\r\n");
  if (in.rfind("HTTP/1.", 0) != 0 || end == std::string::npos ||
      in.size() < 12) {
    r.error = "not an HTTP reply from " + admin;
    return r;
  }
  r.status = std::atoi(in.substr(9, 3).c_str());
  r.body = in.substr(end + 4);
  return r;
}

std::string DefaultAdmin() {
  if (const char* e = std::getenv("HOOP_ADMIN"); e != nullptr && *e != '\0')
    return e;
  return "http://127.0.0.1:6480";
}

int List(const std::string& admin, bool json) {
  const HttpReply r = Http(admin, "GET", "/approvals", "");
  if (r.status == 0) {
    std::cerr << "hoopctl approvals: " << r.error << "\n";
    return 2;
  }
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || j.is_discarded() || !j.contains("approvals")) {
    std::cerr << "hoopctl approvals: the gateway answered " << r.status << ": "
              << r.body << "\n";
    return 2;
  }
  if (json) {
    std::cout << j["approvals"].dump(2) << "\n";
    return 0;
  }
  if (j["approvals"].empty()) {
    std::cout << "no commands wait for approval\n";
    return 0;
  }
  for (const nlohmann::json& a : j["approvals"]) {
    std::cout << a.value("id", "") << "  " << a.value("subject", "") << " on "
              << a.value("resource", "") << "  waiting "
              << a.value("waiting_seconds", 0) << "s  rule "
              << a.value("rule", "") << "\n    " << a.value("statement", "")
              << "\n";
  }
  return 0;
}

int Decide(const std::string& admin, const std::string& id,
           const std::string& verb, const std::string& approver,
           const std::string& reason, const std::string& token) {
  std::string path = "/approvals/";
  for (char c : id) {  // ids are [A-Za-z0-9._-]; escape anything else
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
        c == '.') {
      path.push_back(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "%%%02X", static_cast<unsigned char>(c));
      path += hex;
    }
  }
  path += "/" + verb;
  nlohmann::json body = {{"reason", reason}};
  if (!approver.empty()) body["approver"] = approver;
  const HttpReply r = Http(admin, "POST", path, body.dump(), token);
  if (r.status == 0) {
    std::cerr << "hoopctl approvals: " << r.error << "\n";
    return 2;
  }
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200) {
    std::cerr << "hoopctl approvals: " << verb << " " << id << ": "
              << (j.is_object() && j.contains("error")
                      ? j["error"].get<std::string>()
                      : r.body)
              << " (HTTP " << r.status << ")\n";
    return 1;
  }
  std::cout << id << ": " << (verb == "approve" ? "approved" : "denied")
            << " by "
            << (j.is_object() && j.contains("approver") &&
                        j["approver"].is_string()
                    ? j["approver"].get<std::string>()
                    : approver)
            << "\n";
  return 0;
}

}  // namespace

void RegisterApprovals(CLI::App& app) {
  auto* approvals = app.add_subcommand(
      "approvals", "List and decide commands a gateway holds for approval");
  approvals->require_subcommand(1);
  auto admin = std::make_shared<std::string>(DefaultAdmin());

  auto* list = approvals->add_subcommand("list", "Commands waiting now");
  auto json = std::make_shared<bool>(false);
  list->add_option("--admin", *admin,
                   "The gateway's admin endpoint (default $HOOP_ADMIN or "
                   "http://127.0.0.1:6480)");
  list->add_flag("--json", *json, "JSON output");
  list->callback([admin, json] {
    if (int rc = List(*admin, *json); rc != 0) throw CLI::RuntimeError(rc);
  });

  for (const char* verb : {"approve", "deny"}) {
    const bool approve = std::string(verb) == "approve";
    auto* cmd = approvals->add_subcommand(
        verb, approve ? "Approve a held command: it runs"
                      : "Deny a held command: its client gets an error");
    auto id = std::make_shared<std::string>();
    auto approver = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    cmd->add_option("ID", *id, "The request id (from `approvals list`)")
        ->required();
    auto token = std::make_shared<std::string>();
    if (const char* e = std::getenv("HOOP_TOKEN"); e != nullptr) *token = e;
    cmd->add_option("--as", *approver,
                    "Who decides (recorded; without a token)");
    cmd->add_option("--token", *token,
                    "An OIDC ID token of the approver (default $HOOP_TOKEN): "
                    "the gateway records its subject");
    cmd->add_option("--reason", *reason, "Why (recorded)")->required();
    cmd->add_option("--admin", *admin,
                    "The gateway's admin endpoint (default $HOOP_ADMIN or "
                    "http://127.0.0.1:6480)");
    const std::string v = verb;
    cmd->callback([admin, id, approver, reason, v, token] {
      if (approver->empty() && token->empty())
        throw CLI::ValidationError("--as or --token",
                                   "say who decides: --as NAME, or --token "
                                   "(or $HOOP_TOKEN) with an ID token");
      if (int rc = Decide(*admin, *id, v, *approver, *reason, *token); rc != 0)
        throw CLI::RuntimeError(rc);
    });
  }
}

}  // namespace hoop::hoopctl
