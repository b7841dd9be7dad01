// Copyright 2026 The hoop Authors.
//
// hoop-pg-gateway --config gateway.yaml
//
// Runs the PostgreSQL gateway (gateway.h) and, when the configuration has
// an `admin` endpoint, the approvals and metrics endpoint (admin.h) on one
// I/O thread. SIGTERM or SIGINT: stop accepting, end every session (held
// commands are cancelled and recorded, records flushed and signed), exit 0.

#include <asio.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "admin.h"
#include "config.h"
#include "gateway.h"

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--config" || a == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: hoop-pg-gateway --config gateway.yaml\n"
          "See examples/postgres_gateway/README.md.\n");
      return 0;
    } else {
      std::fprintf(stderr, "hoop-pg-gateway: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "usage: hoop-pg-gateway --config gateway.yaml\n");
    return 2;
  }
  absl::StatusOr<hoop::gateway::GatewayConfig> config =
      hoop::gateway::LoadConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "hoop-pg-gateway: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  const bool has_admin = config->has_admin;
  const hoop::gateway::Endpoint admin_at = config->admin;

  asio::io_context io(1);
  absl::StatusOr<std::unique_ptr<hoop::gateway::Gateway>> gw =
      hoop::gateway::Gateway::Create(*std::move(config), io);
  if (!gw.ok()) {
    std::fprintf(stderr, "hoop-pg-gateway: %s\n",
                 std::string(gw.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<hoop::gateway::AdminServer> admin;
  if (has_admin) {
    admin = std::make_unique<hoop::gateway::AdminServer>(io, **gw);
    absl::Status s = admin->Listen(admin_at);
    if (!s.ok()) {
      std::fprintf(stderr, "hoop-pg-gateway: %s\n",
                   std::string(s.message()).c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "hoop-pg-gateway: listening on port %d", (*gw)->port());
  if (admin) std::fprintf(stderr, ", admin on port %d", admin->port());
  std::fprintf(stderr, "\n");

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const asio::error_code& ec, int sig) {
    if (ec) return;
    std::fprintf(stderr, "hoop-pg-gateway: %s: shutting down\n",
                 strsignal(sig));
    if (admin) admin->Close();
    (*gw)->Shutdown([&io] { io.stop(); });
  });
  io.run();
  gw->reset();
  std::fprintf(stderr, "hoop-pg-gateway: stopped\n");
  return 0;
}
