#include "commands.h"
namespace hoop::hoopctl {
void RegisterDecode(CLI::App& app) { app.add_subcommand("decode", "decode a capture"); }
}  // namespace hoop::hoopctl
