// Copyright 2026 The hoop Authors.
//
// Kubernetes request info: a table of the requests kubectl really sends,
// with what k8s.io/apiserver's RequestInfoFactory derives from each.

#include "hoop/policy/http.h"

#include "gtest/gtest.h"

namespace hoop::policy {
namespace {

struct K8sCase {
  const char* what;
  const char* method;
  const char* target;
  bool resource;
  const char* verb;
  const char* group;
  const char* version;
  const char* ns;
  const char* res;
  const char* sub;
  const char* name;
};

TEST(KubernetesTest, KubectlRequests) {
  const K8sCase cases[] = {
      {"kubectl get pods", "GET", "/api/v1/namespaces/default/pods?limit=500",
       true, "list", "", "v1", "default", "pods", "", ""},
      {"kubectl get pod web-0", "GET", "/api/v1/namespaces/default/pods/web-0",
       true, "get", "", "v1", "default", "pods", "", "web-0"},
      {"kubectl get pods -A", "GET", "/api/v1/pods?limit=500", true, "list", "",
       "v1", "", "pods", "", ""},
      {"kubectl get pods -w", "GET",
       "/api/v1/namespaces/default/pods?resourceVersion=1&watch=true", true,
       "watch", "", "v1", "default", "pods", "", ""},
      {"legacy watch prefix", "GET", "/api/v1/watch/namespaces/ns/pods", true,
       "watch", "", "v1", "ns", "pods", "", ""},
      {"kubectl get pod x -w", "GET",
       "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dx&watch=true",
       true, "watch", "", "v1", "ns", "pods", "", "x"},
      {"kubectl logs", "GET",
       "/api/v1/namespaces/prod/pods/web-0/log?container=app&follow=true", true,
       "get", "", "v1", "prod", "pods", "log", "web-0"},
      {"kubectl exec", "POST",
       "/api/v1/namespaces/prod/pods/web-0/exec?command=sh&stdin=true&tty=true",
       true, "create", "", "v1", "prod", "pods", "exec", "web-0"},
      {"kubectl exec (websocket)", "GET",
       "/api/v1/namespaces/prod/pods/web-0/exec?command=ls", true, "get", "",
       "v1", "prod", "pods", "exec", "web-0"},
      {"kubectl attach", "POST", "/api/v1/namespaces/prod/pods/web-0/attach",
       true, "create", "", "v1", "prod", "pods", "attach", "web-0"},
      {"kubectl port-forward", "POST",
       "/api/v1/namespaces/prod/pods/web-0/portforward", true, "create", "",
       "v1", "prod", "pods", "portforward", "web-0"},
      {"kubectl apply (create)", "POST",
       "/apis/apps/v1/namespaces/prod/deployments?fieldManager=kubectl", true,
       "create", "apps", "v1", "prod", "deployments", "", ""},
      {"kubectl apply (server-side)", "PATCH",
       "/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl&force=false",
       true, "patch", "apps", "v1", "prod", "deployments", "", "web"},
      {"kubectl replace", "PUT", "/apis/apps/v1/namespaces/prod/deployments/web",
       true, "update", "apps", "v1", "prod", "deployments", "", "web"},
      {"kubectl scale", "PATCH",
       "/apis/apps/v1/namespaces/prod/deployments/web/scale", true, "patch",
       "apps", "v1", "prod", "deployments", "scale", "web"},
      {"kubectl delete pod", "DELETE", "/api/v1/namespaces/prod/pods/web-0",
       true, "delete", "", "v1", "prod", "pods", "", "web-0"},
      {"kubectl delete pods --all", "DELETE", "/api/v1/namespaces/prod/pods",
       true, "deletecollection", "", "v1", "prod", "pods", "", ""},
      {"kubectl get nodes (cluster-scoped)", "GET", "/api/v1/nodes", true,
       "list", "", "v1", "", "nodes", "", ""},
      {"kubectl get node n1", "GET", "/api/v1/nodes/n1", true, "get", "", "v1",
       "", "nodes", "", "n1"},
      {"kubectl get clusterroles", "GET",
       "/apis/rbac.authorization.k8s.io/v1/clusterroles", true, "list",
       "rbac.authorization.k8s.io", "v1", "", "clusterroles", "", ""},
      {"kubectl get ns prod", "GET", "/api/v1/namespaces/prod", true, "get", "",
       "v1", "prod", "namespaces", "", "prod"},
      {"kubectl get ns", "GET", "/api/v1/namespaces", true, "list", "", "v1",
       "", "namespaces", "", ""},
      {"namespace status", "PUT", "/api/v1/namespaces/prod/status", true,
       "update", "", "v1", "prod", "namespaces", "status", "prod"},
      {"namespace finalize", "PUT", "/api/v1/namespaces/prod/finalize", true,
       "update", "", "v1", "prod", "namespaces", "finalize", "prod"},
      {"deployment status", "GET",
       "/apis/apps/v1/namespaces/prod/deployments/web/status", true, "get",
       "apps", "v1", "prod", "deployments", "status", "web"},
      {"kubectl proxy to a service", "GET",
       "/api/v1/namespaces/prod/services/web:80/proxy/metrics", true, "get",
       "", "v1", "prod", "services", "proxy", "web:80"},
      {"proxy verb", "GET", "/api/v1/proxy/namespaces/prod/pods/web-0/a/b",
       true, "proxy", "", "v1", "prod", "pods", "", "web-0"},
      {"kubectl create token", "POST",
       "/api/v1/namespaces/prod/serviceaccounts/sa/token", true, "create", "",
       "v1", "prod", "serviceaccounts", "token", "sa"},
      {"CRD", "GET", "/apis/example.com/v1alpha1/namespaces/x/widgets/w1",
       true, "get", "example.com", "v1alpha1", "x", "widgets", "", "w1"},
      {"/healthz", "GET", "/healthz", false, "get", "", "", "", "", "", ""},
      {"/livez?verbose", "GET", "/livez?verbose", false, "get", "", "", "", "",
       "", ""},
      {"/version", "GET", "/version", false, "get", "", "", "", "", "", ""},
      {"/api discovery", "GET", "/api", false, "get", "", "", "", "", "", ""},
      {"/apis discovery", "GET", "/apis", false, "get", "", "", "", "", "", ""},
      {"/api/v1 discovery", "GET", "/api/v1", false, "get", "", "", "", "", "",
       ""},
      {"/apis/apps/v1 discovery", "GET", "/apis/apps/v1", false, "get", "", "",
       "", "", "", ""},
      {"/openapi/v2", "GET", "/openapi/v2", false, "get", "", "", "", "", "",
       ""},
      {"/metrics", "GET", "/metrics", false, "get", "", "", "", "", "", ""},
  };
  for (const K8sCase& c : cases) {
    SCOPED_TRACE(c.what);
    KubernetesRequest r = ClassifyKubernetes(c.method, c.target);
    EXPECT_EQ(r.is_resource_request, c.resource);
    EXPECT_EQ(r.verb, c.verb);
    EXPECT_EQ(r.api_group, c.group);
    EXPECT_EQ(r.api_version, c.version);
    EXPECT_EQ(r.namespace_, c.ns);
    EXPECT_EQ(r.resource, c.res);
    EXPECT_EQ(r.subresource, c.sub);
    EXPECT_EQ(r.name, c.name);
  }
}

TEST(HttpTest, SplitsTarget) {
  HttpRequest r = ClassifyHttp("get", "/a/b?x=1&y=2");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(r.query, "x=1&y=2");
  r = ClassifyHttp("POST", "http://example.com:8080/v1/items#frag");
  EXPECT_EQ(r.path, "/v1/items");
  EXPECT_EQ(r.query, "");
  EXPECT_EQ(ClassifyHttp("GET", "").path, "/");
}

}  // namespace
}  // namespace hoop::policy
