#pragma once
// The subcommand table. Each subcommand lives in its own apps/cmd_<name>.cpp and is
// listed in commands.cpp; only commands that do something are listed.
#include <span>

namespace brisk::cli {

struct Command {
  const char* name;
  const char* summary;  // one line for 'brisk --help'
  int (*run)(int argc, char** argv);  // argv[0] is the subcommand name
};

std::span<const Command> commands();

int cmd_inspect(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_convert(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_sweep(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_compare(int argc, char** argv);
int cmd_diagnose(int argc, char** argv);

}  // namespace brisk::cli
