/*
 * main.c - the trustline command line: dispatch to a subcommand, signal
 * set-up, exit codes. The subcommands live in cli/.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "util/diag.h"

static const char usage[] =
    "Usage: trustline [COMMAND] [OPTIONS] [FILE|-]...\n"
    "\n"
    "Read the macOS unified log as text (the output of `log show` or\n"
    "`log stream`, in any --style) and turn its security events into\n"
    "timelines.\n"
    "\n"
    "Commands:\n"
    "  parse       write every event as one JSON object per line\n"
    "\n"
    "Run `trustline COMMAND --help` for a command's options.\n"
    "\n"
    "Options:\n"
    "  -h, --help     this text\n"
    "  -V, --version  print the version\n"
    "\n"
    "Examples:\n"
    "  log show --last 1h --style ndjson > last-hour.ndjson\n"
    "  trustline parse last-hour.ndjson\n"
    "  log stream --style ndjson | trustline parse\n"
    "\n"
    "Exit status: 0 done; 1 findings at or above --fail-level; 2 usage or\n"
    "rule errors; 3 an input could not be read; 4 the output could not be\n"
    "written.\n";

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"parse", tl_cli_parse},
};

static void on_sigint(int sig)
{
    (void)sig;
    tl_cli_interrupted = 1;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed reader (`| head`) shows up as EPIPE from write(2): the
     * writers stop quietly. */
    signal(SIGPIPE, SIG_IGN);

    if (argc < 2) {
        fputs(usage, stderr);
        return TL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(usage, stdout);
        return TL_EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("trustline %s\n", TL_VERSION);
        return TL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "trustline: unknown command '%s' (see trustline --help)\n",
            cmd);
    return TL_EXIT_USAGE;
}
