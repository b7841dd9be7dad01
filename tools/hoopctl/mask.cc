// Copyright 2026 The hoop Authors.
//
// hoopctl mask: masks standard input to standard output, so a user can try a
// profile on their own data and time it.
//
//   hoopctl mask < cells.txt              # each line a cell, default profile
//   hoopctl mask --profile pii.yaml --column email --type text < cells.txt
//   hoopctl mask --stream < session.log   # one byte stream
//   hoopctl mask --stats ...              # counters and MB/s on stderr

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "hoop/masking/masker.h"
#include "hoop/masking/profile.h"
#include "hoop/masking/stream_masker.h"

namespace hoop::hoopctl {
namespace {

struct MaskArgs {
  std::string profile;
  std::string column;
  std::string type;
  bool stream = false;
  bool stats = false;
};

int RunMask(const MaskArgs& a) {
  using hoop::masking::Masker;
  std::unique_ptr<Masker> masker;
  if (a.profile.empty()) {
    masker = Masker::Default();
  } else {
    auto m = hoop::masking::LoadMasker(a.profile);
    if (!m.ok()) {
      std::cerr << "hoopctl mask: " << m.status().message() << "\n";
      return 2;
    }
    masker = std::move(m).value();
  }
  hoop::masking::MaskCounters counters;
  std::size_t in_bytes = 0;
  auto start = std::chrono::steady_clock::now();
  std::string buf(1 << 16, '\0');
  std::string out;
  if (a.stream) {
    hoop::masking::StreamMasker sm(*masker, &counters);
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), stdin)) > 0) {
      in_bytes += n;
      out.clear();
      sm.Write(std::string_view(buf.data(), n), &out);
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
    out.clear();
    sm.Finish(&out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    hoop::masking::ColumnPlan plan = masker->PlanColumn(a.column, a.type);
    hoop::masking::Arena arena;
    std::string pending;  // an unfinished line carried to the next read
    std::size_t n;
    auto emit_lines = [&](std::string_view data, bool last) {
      std::size_t p = 0;
      while (true) {
        std::size_t nl = data.find('\n', p);
        if (nl == std::string_view::npos) {
          if (last && p < data.size()) {
            out.append(
                masker->MaskCell(plan, data.substr(p), &arena, &counters));
            p = data.size();
          }
          return p;
        }
        out.append(
            masker->MaskCell(plan, data.substr(p, nl - p), &arena, &counters));
        out.push_back('\n');
        p = nl + 1;
      }
    };
    while ((n = std::fread(buf.data(), 1, buf.size(), stdin)) > 0) {
      in_bytes += n;
      pending.append(buf.data(), n);
      out.clear();
      std::size_t used = emit_lines(pending, false);
      pending.erase(0, used);
      std::fwrite(out.data(), 1, out.size(), stdout);
      arena.Reset();
    }
    out.clear();
    emit_lines(pending, true);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  if (a.stats) {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    std::fprintf(stderr, "%zu bytes in %.3f s (%.1f MB/s)\n", in_bytes, secs,
                 secs > 0 ? in_bytes / secs / 1e6 : 0.0);
    for (std::size_t i = 0; i < counters.size(); ++i) {
      if (counters[i].values == 0) continue;
      std::string name(masker->counter_name(i));
      std::fprintf(stderr, "%-24s %10llu values %12llu bytes\n", name.c_str(),
                   static_cast<unsigned long long>(counters[i].values),
                   static_cast<unsigned long long>(counters[i].bytes));
    }
  }
  return 0;
}

}  // namespace

void RegisterMask(CLI::App& app) {
  auto args = std::make_shared<MaskArgs>();
  CLI::App* cmd = app.add_subcommand(
      "mask",
      "Mask standard input to standard output: each line a cell, or with "
      "--stream one byte stream");
  cmd->add_option("--profile", args->profile,
                  "masking profile (YAML or JSON); default: every built-in "
                  "detector, REDACT")
      ->check(CLI::ExistingFile);
  cmd->add_option("--column", args->column,
                  "column name the cells belong to (for column rules)");
  cmd->add_option("--type", args->type,
                  "column type the cells belong to (for column rules)");
  cmd->add_flag("--stream", args->stream,
                "treat input as one byte stream (SSH output, an HTTP body)");
  cmd->add_flag("--stats", args->stats,
                "print throughput and per-detector counters to stderr");
  cmd->callback([args] {
    int rc = RunMask(*args);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace hoop::hoopctl
