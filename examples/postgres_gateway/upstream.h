// Copyright 2026 The hoop Authors.
//
// The gateway's leg to a resource's server: TCP and, when the resource's
// `upstream.tls.mode` asks for it, TLS over it after PostgreSQL's
// SSLRequest (asio::ssl over OpenSSL).
//
//   absl::StatusOr<std::unique_ptr<asio::ssl::context>> ctx =
//       MakeUpstreamTlsContext(resource);          // once per resource
//   auto up = std::make_shared<UpstreamStream>(io);
//   ConnectUpstream(up, resource, ctx->get(), [up](const std::string& error) {
//     if (!error.empty()) ...;                     // FATAL 08006 to the client
//     up->AsyncWrite(asio::buffer(startup), ...);  // in TLS when negotiated
//   });
//
// Modes (as libpq's sslmode of the same names):
//   disable      plain TCP
//   require      SSLRequest; 'S' → TLS without checking the certificate;
//                'N' → refused (nothing else is sent)
//   verify-ca    as require, and the chain must verify against ca_file
//                (the system's roots when ca_file is empty)
//   verify-full  as verify-ca, and the certificate must name server_name
//                (default: the upstream host; an IP address is checked
//                against the certificate's IP SANs)
//
// After 'S' exactly one byte is read before the handshake, so bytes a man in
// the middle pipelines behind the 'S' go into the TLS handshake (and fail
// it), never into the protocol (CVE-2021-23222).
//
// Threading: one io_context thread, like the rest of the gateway.

#ifndef HOOP_EXAMPLES_POSTGRES_GATEWAY_UPSTREAM_H_
#define HOOP_EXAMPLES_POSTGRES_GATEWAY_UPSTREAM_H_

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "config.h"

namespace hoop::gateway {

// null when the resource's mode is disable.
absl::StatusOr<std::unique_ptr<asio::ssl::context>> MakeUpstreamTlsContext(
    const ResourceConfig& resource);

// A socket to the upstream server, with TLS over it once negotiated. Reads
// and writes go through TLS when tls() is true.
class UpstreamStream {
 public:
  explicit UpstreamStream(asio::io_context& io) : socket_(io) {}
  UpstreamStream(const UpstreamStream&) = delete;
  UpstreamStream& operator=(const UpstreamStream&) = delete;

  asio::ip::tcp::socket& socket() { return socket_; }
  bool tls() const { return tls_ != nullptr; }

  template <typename Buffers, typename Handler>
  void AsyncReadSome(const Buffers& b, Handler&& h) {
    if (tls_) {
      tls_->async_read_some(b, std::forward<Handler>(h));
    } else {
      socket_.async_read_some(b, std::forward<Handler>(h));
    }
  }
  template <typename Buffers, typename Handler>
  void AsyncWrite(const Buffers& b, Handler&& h) {
    if (tls_) {
      asio::async_write(*tls_, b, std::forward<Handler>(h));
    } else {
      asio::async_write(socket_, b, std::forward<Handler>(h));
    }
  }

  // Shuts the socket down and closes it; pending operations end with
  // operation_aborted.
  void Close();

 private:
  friend void ConnectUpstream(std::shared_ptr<UpstreamStream>,
                              const ResourceConfig&, asio::ssl::context*,
                              std::function<void(const std::string&)>);
  asio::ip::tcp::socket socket_;
  // Declared after socket_: destroyed first.
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
};

// Resolves and connects to the resource's host and port and negotiates TLS
// as its mode says (`tls` from MakeUpstreamTlsContext; null for disable).
// `done` runs on the I/O thread with "" once the stream is ready for the
// StartupMessage, or with why not ("the server does not accept TLS ...",
// "TLS handshake: certificate verify failed (hostname mismatch)", ...).
void ConnectUpstream(std::shared_ptr<UpstreamStream> stream,
                     const ResourceConfig& resource, asio::ssl::context* tls,
                     std::function<void(const std::string&)> done);

}  // namespace hoop::gateway

#endif  // HOOP_EXAMPLES_POSTGRES_GATEWAY_UPSTREAM_H_
