// Copyright 2026 The hoop Authors.

#include "hoop/policy/http.h"

#include <string>
#include <string_view>
#include <vector>

namespace hoop::policy {
namespace {

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string UpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() &&
               HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The value of query parameter `key` (decoded), if present.
bool QueryParam(std::string_view query, std::string_view key, std::string* value) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = kv.find('=');
    std::string k = PercentDecode(kv.substr(0, eq));
    if (k != key) continue;
    *value = eq == std::string_view::npos ? std::string() : PercentDecode(kv.substr(eq + 1));
    return true;
  }
  return false;
}

// Go's strconv.ParseBool, which the API server uses for ?watch=.
bool ParseBoolTrue(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" ||
         v == "True";
}

// A name that path.IsValidPathSegmentName accepts.
bool ValidPathSegmentName(std::string_view name) {
  if (name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos &&
         name.find('%') == std::string_view::npos;
}

}  // namespace

HttpRequest ClassifyHttp(std::string_view method, std::string_view target) {
  HttpRequest r;
  r.method = UpperAscii(method);
  // Absolute form: drop scheme and authority.
  size_t scheme = target.find("://");
  if (scheme != std::string_view::npos && target.find('/') > scheme) {
    size_t slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/")
                                             : target.substr(slash);
  }
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  if (r.path.empty()) r.path = "/";
  return r;
}

KubernetesRequest ClassifyKubernetes(std::string_view method,
                                     std::string_view target) {
  HttpRequest http = ClassifyHttp(method, target);
  KubernetesRequest info;
  info.path = http.path;
  info.verb = LowerAscii(method);

  std::vector<std::string> parts;
  {
    std::string_view p = http.path;
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    while (!p.empty()) {
      size_t slash = p.find('/');
      parts.emplace_back(p.substr(0, slash));
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash + 1);
    }
  }
  if (parts.size() < 3) return info;  // non-resource (e.g. /api, /apis/apps)
  if (parts[0] != "api" && parts[0] != "apis") return info;
  info.api_prefix = parts[0];
  size_t at = 1;
  if (info.api_prefix == "apis") {
    info.api_group = parts[1];
    at = 2;
  }
  // "/api/v1" and "/apis/apps/v1" are discovery (non-resource) requests.
  if (at >= parts.size()) return info;
  info.api_version = parts[at++];
  if (at >= parts.size()) {
    info.api_prefix.clear();
    info.api_group.clear();
    info.api_version.clear();
    return info;
  }
  info.is_resource_request = true;

  const std::string& m = http.method;
  if (m == "POST") {
    info.verb = "create";
  } else if (m == "GET" || m == "HEAD") {
    info.verb = "get";
  } else if (m == "PUT") {
    info.verb = "update";
  } else if (m == "PATCH") {
    info.verb = "patch";
  } else if (m == "DELETE") {
    info.verb = "delete";
  } else {
    info.verb.clear();
  }

  std::vector<std::string> rest(parts.begin() + static_cast<long>(at), parts.end());
  // Special verbs: /watch/... and /proxy/...
  if (rest[0] == "watch" || rest[0] == "proxy") {
    if (rest.size() < 2) {
      // "/api/v1/watch" alone is not a resource request.
      info = KubernetesRequest();
      info.path = http.path;
      info.verb = LowerAscii(method);
      return info;
    }
    info.verb = rest[0];
    rest.erase(rest.begin());
  }
  if (rest[0] == "namespaces") {
    if (rest.size() > 1) {
      info.namespace_ = rest[1];
      if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
        rest.erase(rest.begin(), rest.begin() + 2);
      }
    }
  }
  if (rest.size() >= 3 && info.verb != "proxy") info.subresource = rest[2];
  if (rest.size() >= 2) info.name = rest[1];
  if (!rest.empty()) info.resource = rest[0];

  if (info.name.empty() && info.verb == "get") {
    std::string v;
    info.verb = QueryParam(http.query, "watch", &v) && ParseBoolTrue(v)
                    ? "watch"
                    : "list";
    std::string selector;
    if (QueryParam(http.query, "fieldSelector", &selector)) {
      // Only an exact single requirement metadata.name=x (or ==x) names it.
      std::string_view s = selector;
      constexpr std::string_view kKey = "metadata.name";
      if (s.substr(0, kKey.size()) == kKey && s.find(',') == std::string_view::npos) {
        s.remove_prefix(kKey.size());
        if (s.substr(0, 2) == "==") {
          s.remove_prefix(2);
        } else if (!s.empty() && s[0] == '=') {
          s.remove_prefix(1);
        } else {
          s = std::string_view();
        }
        if (!s.empty() && ValidPathSegmentName(s)) info.name = std::string(s);
      }
    }
  }
  if (info.name.empty() && info.verb == "delete") info.verb = "deletecollection";
  return info;
}

}  // namespace hoop::policy
