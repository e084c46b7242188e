/*
 * commands.h - the subcommands main.c dispatches to. Each takes argv
 * with argv[0] = the subcommand's name and returns an exit code
 * (enum tl_exit).
 */
#ifndef TL_COMMANDS_H
#define TL_COMMANDS_H

int tl_cli_parse(int argc, char **argv);
int tl_cli_scan(int argc, char **argv);
int tl_cli_rules(int argc, char **argv);
int tl_cli_explain(int argc, char **argv);
int tl_cli_predicate(int argc, char **argv);

#endif
