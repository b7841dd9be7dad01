// Copyright 2026 The hoop Authors.
//
// HTTP and Kubernetes request classification for policy decisions.
//
// A policy on an HTTP service keys on method and path; a policy on the
// Kubernetes API keys on what the API server itself authorizes: the verb,
// API group, resource, subresource, namespace and name it derives from the
// URL (k8s.io/apiserver's RequestInfoFactory). ClassifyKubernetes() derives
// the same request info, so a rule written in RBAC terms means what an RBAC
// rule would mean:
//
//   auto info = hoop::policy::ClassifyKubernetes(
//       "POST", "/api/v1/namespaces/prod/pods/web-0/exec?command=sh");
//   // info.is_resource_request, verb "create", resource "pods",
//   // subresource "exec", namespace_ "prod", name "web-0"
//
//   ClassifyKubernetes("GET", "/apis/apps/v1/deployments?watch=1");
//   // verb "watch", api_group "apps", api_version "v1", no namespace
//
//   ClassifyKubernetes("GET", "/healthz");
//   // !is_resource_request, verb "get", path "/healthz"
//
// Thread safety: pure functions.

#ifndef HOOP_POLICY_HTTP_H_
#define HOOP_POLICY_HTTP_H_

#include <string>
#include <string_view>

namespace hoop::policy {

// An HTTP request line, split.
struct HttpRequest {
  std::string method;  // as sent, upper case ("GET")
  std::string path;    // the target's path, percent-encoding kept
  std::string query;   // after '?', without it; empty when none
};

// Splits a request target ("/a/b?x=1" or "http://h/a/b?x=1") into path and
// query. Never fails; an empty path becomes "/".
HttpRequest ClassifyHttp(std::string_view method, std::string_view target);

// What the Kubernetes API server derives from a request (RequestInfo).
struct KubernetesRequest {
  bool is_resource_request = false;
  std::string path;         // the URL path
  // Resource requests: get, list, watch, create, update, patch, delete,
  // deletecollection, proxy. Non-resource requests: the lower-case method.
  std::string verb;
  std::string api_prefix;   // "api" or "apis"
  std::string api_group;    // "" for the core group
  std::string api_version;  // "v1"
  std::string namespace_;   // "" for cluster-scoped requests
  std::string resource;     // "pods"
  std::string subresource;  // "exec", "attach", "portforward", "log", "status"
  std::string name;         // the object's name, or from fieldSelector
};

// REQUIRES: `target` is the request target as sent (origin form, path and
// optional query). Mirrors k8s.io/apiserver/pkg/endpoints/request
// RequestInfoFactory with the default prefixes "api" and "apis".
KubernetesRequest ClassifyKubernetes(std::string_view method,
                                     std::string_view target);

}  // namespace hoop::policy

#endif  // HOOP_POLICY_HTTP_H_
