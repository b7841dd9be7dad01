// Copyright 2026 The hoop Authors.
//
// hoopctl's subcommands. Each lives in its own file and adds itself to the
// CLI11 app; main.cc calls every Register function below.

#ifndef HOOP_TOOLS_HOOPCTL_COMMANDS_H_
#define HOOP_TOOLS_HOOPCTL_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace hoop::hoopctl {

// hoopctl decode --protocol postgres --client C2S --server S2C
void RegisterDecode(CLI::App& app);
void RegisterMask(CLI::App& app);
void RegisterPolicy(CLI::App& app);  // policy check/test, sql classify
// sample-records, verify, sessions, review, replay (session records)
void RegisterRecords(CLI::App& app);
// approvals list/approve/deny (a gateway's admin endpoint)
void RegisterApprovals(CLI::App& app);
// token keygen/mint: a demo key and locally minted ID tokens (demos, tests)
void RegisterToken(CLI::App& app);

}  // namespace hoop::hoopctl

#endif  // HOOP_TOOLS_HOOPCTL_COMMANDS_H_
