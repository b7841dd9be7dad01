// Copyright 2026 The hoop Authors.

#include "admin.h"

#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace hoop::gateway {
namespace {

using asio::ip::tcp;
constexpr std::size_t kMaxRequest = 64 * 1024;

// Undoes %XX escapes (request ids contain '/': "gw-1-7/2"). False on a
// malformed escape.
bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
      return false;
    out->push_back(
        static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
    i += 2;
  }
  return true;
}

const char* StatusText(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    default:
      return "Error";
  }
}

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
 public:
  HttpExchange(tcp::socket socket, Gateway& gateway)
      : socket_(std::move(socket)), gateway_(gateway) {}

  void Read() {
    socket_.async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
          if (ec) return;
          self->in_.append(self->chunk_, n);
          self->OnData();
        });
  }

 private:
  void OnData() {
    if (in_.size() > kMaxRequest)
      return Reply(413, "application/json", R"({"error":"request too large"})");
    const std::size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) return Read();
    const std::string head = in_.substr(0, end);
    std::size_t length = 0;
    // Header names are case-insensitive.
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      const std::size_t next = head.find("\r\n", pos + 2);
      std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos
                                                         : next - pos - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(c));
        if (name == "authorization") {
          std::string v = line.substr(colon + 1);
          while (!v.empty() && v.front() == ' ') v.erase(0, 1);
          while (!v.empty() && (v.back() == ' ' || v.back() == '\r'))
            v.pop_back();
          // "Bearer <token>", the scheme case-insensitive (RFC 6750).
          if (v.size() > 7 && (v[0] == 'B' || v[0] == 'b') &&
              (v.compare(1, 6, "earer ") == 0 ||
               v.compare(1, 6, "EARER ") == 0))
            bearer_ = v.substr(7);
          else
            bad_authorization_ = true;
        }
        if (name == "content-length") {
          try {
            length = std::stoul(line.substr(colon + 1));
          } catch (...) {
            return Reply(400, "application/json",
                         R"({"error":"bad Content-Length"})");
          }
        }
      }
      pos = next;
    }
    if (length > kMaxRequest)
      return Reply(413, "application/json", R"({"error":"request too large"})");
    if (in_.size() < end + 4 + length) return Read();
    const std::string body = in_.substr(end + 4, length);
    const std::string request_line = head.substr(0, head.find("\r\n"));
    const std::size_t sp1 = request_line.find(' ');
    const std::size_t sp2 = request_line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos)
      return Reply(400, "application/json", R"({"error":"bad request line"})");
    Route(request_line.substr(0, sp1),
          request_line.substr(sp1 + 1, sp2 - sp1 - 1), body);
  }

  void Route(const std::string& method, std::string path,
             const std::string& body) {
    const std::size_t q = path.find('?');
    if (q != std::string::npos) path.resize(q);
    if (path == "/metrics") {
      if (method != "GET") return Reply(405, "text/plain", "GET only\n");
      return Reply(200, "text/plain; version=0.0.4", gateway_.MetricsText());
    }
    if (path == "/approvals") {
      if (method != "GET") return Reply(405, "application/json", "{}");
      nlohmann::json list = nlohmann::json::array();
      const absl::Time now = absl::Now();
      for (const HeldCommand& h : gateway_.Held()) {
        list.push_back(
            {{"id", h.request_id},
             {"session", h.session_id},
             {"resource", h.resource},
             {"subject", h.subject},
             {"statement", h.statement},
             {"rule", h.rule_id},
             {"waiting_seconds", absl::ToInt64Seconds(now - h.since)}});
      }
      return Reply(200, "application/json",
                   nlohmann::json{{"approvals", list}}.dump());
    }
    const std::string prefix = "/approvals/";
    if (path.rfind(prefix, 0) == 0) {
      const std::string rest = path.substr(prefix.size());
      const std::size_t slash = rest.rfind('/');
      if (slash == std::string::npos || slash == 0)
        return Reply(404, "application/json", R"({"error":"no such path"})");
      std::string id;
      if (!PercentDecode(rest.substr(0, slash), &id))
        return Reply(400, "application/json",
                     R"({"error":"bad escape in id"})");
      const std::string verb = rest.substr(slash + 1);
      session::Resolution r;
      if (verb == "approve") {
        r = session::Resolution::kApprove;
      } else if (verb == "deny") {
        r = session::Resolution::kDeny;
      } else {
        return Reply(404, "application/json", R"({"error":"no such path"})");
      }
      if (method != "POST") return Reply(405, "application/json", "{}");
      const nlohmann::json j =
          body.empty() ? nlohmann::json::object()
                       : nlohmann::json::parse(body, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return Reply(400, "application/json",
                     R"({"error":"the body must be a JSON object"})");
      std::string reason;
      if (j.contains("reason") && j["reason"].is_string())
        reason = j["reason"].get<std::string>();
      std::string approver;
      if (gateway_.admin_requires_token() || !bearer_.empty() ||
          bad_authorization_) {
        // The approver is who the token says, never what the body says.
        if (bearer_.empty())
          return Reply(401, "application/json",
                       R"({"error":"approve and deny need Authorization: )"
                       R"(Bearer <OIDC ID token>"})",
                       "WWW-Authenticate: Bearer\r\n");
        absl::StatusOr<std::string> who =
            gateway_.AuthorizeApprover(id, bearer_);
        if (!who.ok()) {
          const absl::StatusCode c = who.status().code();
          const int code = c == absl::StatusCode::kNotFound          ? 404
                           : c == absl::StatusCode::kUnauthenticated ? 401
                                                                     : 403;
          return Reply(
              code, "application/json",
              nlohmann::json{{"error", std::string(who.status().message())}}
                  .dump(),
              code == 401
                  ? "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n"
                  : "");
        }
        approver = *std::move(who);
      } else {
        if (!j.contains("approver") || !j["approver"].is_string() ||
            j["approver"].get<std::string>().empty())
          return Reply(
              400, "application/json",
              R"({"error":"body must be {\"approver\": \"...\", \"reason\": \"...\"}"})");
        approver = j["approver"].get<std::string>();
      }
      gateway_.Resolve(
          id, r, approver, reason,
          [self = shared_from_this(), id, verb, approver](absl::Status s) {
            if (!s.ok()) {
              return self->Reply(
                  s.code() == absl::StatusCode::kNotFound ? 404 : 400,
                  "application/json",
                  nlohmann::json{{"error", std::string(s.message())}}.dump());
            }
            self->Reply(
                200, "application/json",
                nlohmann::json{
                    {"id", id}, {"resolution", verb}, {"approver", approver}}
                    .dump());
          });
      return;
    }
    Reply(404, "application/json", R"({"error":"no such path"})");
  }

  void Reply(int code, const std::string& type, const std::string& body,
             const std::string& extra_headers = "") {
    auto out = std::make_shared<std::string>(
        "HTTP/1.1 " + std::to_string(code) + " " + StatusText(code) + "\r\n" +
        extra_headers + "Content-Type: " + type + "\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    asio::async_write(
        socket_, asio::buffer(*out),
        [self = shared_from_this(), out](const asio::error_code&, std::size_t) {
          asio::error_code ignored;
          self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
          self->socket_.close(ignored);
        });
  }

  tcp::socket socket_;
  Gateway& gateway_;
  char chunk_[4096];
  std::string in_;
  std::string bearer_;              // Authorization: Bearer <this>
  bool bad_authorization_ = false;  // an Authorization of another scheme
};

}  // namespace

AdminServer::AdminServer(asio::io_context& io, Gateway& gateway)
    : io_(io), gateway_(gateway), acceptor_(io) {}

absl::Status AdminServer::Listen(const Endpoint& at) {
  absl::Status s = Bind(acceptor_, at, "admin");
  if (!s.ok()) return s;
  Accept();
  return absl::OkStatus();
}

int AdminServer::port() const {
  asio::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void AdminServer::Close() {
  asio::error_code ec;
  acceptor_.close(ec);
}

void AdminServer::Accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket s) {
    if (ec) return;
    std::make_shared<HttpExchange>(std::move(s), gateway_)->Read();
    Accept();
  });
}

}  // namespace hoop::gateway
