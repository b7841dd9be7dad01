// Copyright 2026 The hoop Authors.

#include "upstream.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <array>

#include "hoop/wire/postgres.h"

namespace hoop::gateway {
namespace {

using asio::ip::tcp;
namespace pg = hoop::wire::postgres;

const char* ModeName(ResourceConfig::UpstreamTls m) {
  switch (m) {
    case ResourceConfig::UpstreamTls::kDisable:
      return "disable";
    case ResourceConfig::UpstreamTls::kRequire:
      return "require";
    case ResourceConfig::UpstreamTls::kVerifyCa:
      return "verify-ca";
    case ResourceConfig::UpstreamTls::kVerifyFull:
      return "verify-full";
  }
  return "?";
}

std::string Where(const ResourceConfig& rc) {
  return rc.host + ":" + std::to_string(rc.port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<asio::ssl::context>> MakeUpstreamTlsContext(
    const ResourceConfig& rc) {
  if (rc.tls_mode == ResourceConfig::UpstreamTls::kDisable) return nullptr;
  auto ctx =
      std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  asio::error_code ec;
  ctx->set_options(
      asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression,
      ec);
  const bool verify = rc.tls_mode == ResourceConfig::UpstreamTls::kVerifyCa ||
                      rc.tls_mode == ResourceConfig::UpstreamTls::kVerifyFull;
  if (!ec && verify) {
    if (rc.tls_ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(rc.tls_ca_file, ec);
    }
    if (ec)
      return absl::InvalidArgumentError(
          "resource " + rc.name + ": upstream.tls.ca_file " +
          (rc.tls_ca_file.empty() ? std::string("(system roots)")
                                  : rc.tls_ca_file) +
          ": " + ec.message());
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
  } else if (!ec) {
    // require: encryption only, as libpq's sslmode=require without a root
    // certificate.
    ctx->set_verify_mode(asio::ssl::verify_none, ec);
  }
  if (ec)
    return absl::InternalError("resource " + rc.name +
                               ": upstream TLS context: " + ec.message());
  return ctx;
}

void UpstreamStream::Close() {
  asio::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void ConnectUpstream(std::shared_ptr<UpstreamStream> up,
                     const ResourceConfig& rc, asio::ssl::context* tls,
                     std::function<void(const std::string&)> done) {
  auto resolver = std::make_shared<tcp::resolver>(up->socket_.get_executor());
  // Copies: the callbacks may outlive the caller's frame.
  const ResourceConfig::UpstreamTls mode = rc.tls_mode;
  const std::string where = Where(rc);
  const std::string server_name =
      rc.tls_server_name.empty() ? rc.host : rc.tls_server_name;
  auto negotiate = [up, tls, mode, where, server_name,
                    done](const tcp::endpoint&) {
    asio::error_code ignored;
    up->socket_.set_option(tcp::no_delay(true), ignored);
    if (mode == ResourceConfig::UpstreamTls::kDisable || tls == nullptr)
      return done("");
    auto request = std::make_shared<std::string>(pg::Encode(pg::SSLRequest{}));
    asio::async_write(
        up->socket_, asio::buffer(*request),
        [up, tls, mode, where, server_name, done, request](
            const asio::error_code& ec, std::size_t) {
          if (ec) return done("write to " + where + ": " + ec.message());
          auto answer = std::make_shared<std::array<char, 1>>();
          // Exactly one byte: anything behind it belongs to TLS.
          asio::async_read(
              up->socket_, asio::buffer(*answer),
              [up, tls, mode, where, server_name, done, answer](
                  const asio::error_code& ec2, std::size_t) {
                if (ec2)
                  return done(where +
                              " closed the connection after "
                              "SSLRequest: " +
                              ec2.message());
                if ((*answer)[0] == 'N')
                  return done("the server at " + where +
                              " does not accept TLS and upstream.tls.mode "
                              "is " +
                              ModeName(mode) + ": nothing was sent to it");
                if ((*answer)[0] != 'S')
                  return done("the server at " + where +
                              " answered SSLRequest with neither S nor N");
                up->tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(
                    up->socket_, *tls);
                SSL* ssl = up->tls_->native_handle();
                asio::error_code not_ip;
                asio::ip::make_address(server_name, not_ip);
                if (not_ip)  // SNI carries host names only (RFC 6066)
                  SSL_set_tlsext_host_name(ssl, server_name.c_str());
                if (mode == ResourceConfig::UpstreamTls::kVerifyFull) {
                  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
                  if (!not_ip) {
                    X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str());
                  } else {
                    X509_VERIFY_PARAM_set_hostflags(
                        param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                    X509_VERIFY_PARAM_set1_host(param, server_name.c_str(),
                                                server_name.size());
                  }
                }
                up->tls_->async_handshake(
                    asio::ssl::stream_base::client,
                    [up, where, server_name,
                     done](const asio::error_code& ec3) {
                      if (!ec3) return done("");
                      std::string why =
                          "TLS handshake with " + where + ": " + ec3.message();
                      const long v =
                          SSL_get_verify_result(up->tls_->native_handle());
                      if (v != X509_V_OK)
                        why += std::string(" (") +
                               X509_verify_cert_error_string(v) +
                               "; expected name " + server_name + ")";
                      done(why);
                    });
              });
        });
  };
  resolver->async_resolve(
      rc.host, std::to_string(rc.port),
      [up, resolver, where, done, negotiate](
          const asio::error_code& ec, tcp::resolver::results_type results) {
        if (ec) return done("cannot resolve " + where + ": " + ec.message());
        asio::async_connect(
            up->socket_, results,
            [where, done, negotiate](const asio::error_code& ec2,
                                     const tcp::endpoint& ep) {
              if (ec2) return done(where + ": " + ec2.message());
              negotiate(ep);
            });
      });
}

}  // namespace hoop::gateway
