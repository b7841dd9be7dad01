// Copyright 2026 The hoop Authors.
//
// hoopctl: decode captures, try masking profiles, test policies, review and
// verify session records. `hoopctl --help` lists the subcommands.

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"hoopctl: the hoop command line"};
  app.require_subcommand(1);
  hoop::hoopctl::RegisterDecode(app);
  hoop::hoopctl::RegisterMask(app);
  hoop::hoopctl::RegisterPolicy(app);
  hoop::hoopctl::RegisterRecords(app);
  hoop::hoopctl::RegisterApprovals(app);
  hoop::hoopctl::RegisterToken(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
