/* cli_commands.h — the handlers and option tables behind hd_commands (src/main.c). */
#ifndef HDSIM_CLI_COMMANDS_H
#define HDSIM_CLI_COMMANDS_H

#include "cli.h"

extern const struct hd_cli_option hd_run_options[], hd_check_options[], hd_validate_options[],
    hd_list_options[], hd_describe_options[], hd_export_options[];

int hd_cmd_run(const struct hd_command *cmd, int argc, char **argv);
int hd_cmd_check(const struct hd_command *cmd, int argc, char **argv);
int hd_cmd_validate(const struct hd_command *cmd, int argc, char **argv);
int hd_cmd_list(const struct hd_command *cmd, int argc, char **argv);
int hd_cmd_describe(const struct hd_command *cmd, int argc, char **argv);
int hd_cmd_export(const struct hd_command *cmd, int argc, char **argv);

#endif
