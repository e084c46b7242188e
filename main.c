/*
 * main.c - the trustline command line: dispatch to a subcommand, signal
 * set-up, exit codes. The subcommands live in cli/.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    "  scan        (the default) match the rules and print the timeline\n"
    "  parse       write every event as one JSON object per line\n"
    "  rules       lint, test or list rule files (rules lint|test|list)\n"
    "  explain     show why each rule matches a log line or not\n"
    "  predicate   print a `log --predicate` admitting every event the\n"
    "              rules could match\n"
    "\n"
    "Run `trustline COMMAND --help` for a command's options.\n"
    "\n"
    "Options:\n"
    "  -h, --help     this text\n"
    "  -V, --version  print the version\n"
    "\n"
    "Examples:\n"
    "  log show --last 1h --style ndjson > last-hour.ndjson\n"
    "  trustline last-hour.ndjson\n"
    "  trustline -f html -o report.html last-hour.ndjson\n"
    "  log stream --style ndjson | trustline\n"
    "  trustline rules lint my-rules/\n"
    "\n"
    "Exit status: 0 done; 1 findings at or above --fail-level; 2 usage or\n"
    "rule errors; 3 an input could not be read; 4 the output could not be\n"
    "written.\n";

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"scan", tl_cli_scan},
    {"parse", tl_cli_parse},
    {"rules", tl_cli_rules},
    {"explain", tl_cli_explain},
    {"predicate", tl_cli_predicate},
};

static char scan_name[] = "scan";

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

    tl_cli_argv0 = argv[0];
    if (argc < 2 && isatty(STDIN_FILENO)) {
        fputs(usage, stderr);
        return TL_EXIT_USAGE;
    }
    if (argc < 2) {
        /* log stream ... | trustline */
        char *args[] = {scan_name, NULL};
        return tl_cli_scan(1, args);
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
    /* Not a command: the arguments are scan's (trustline FILE...). */
    argv[0] = scan_name;
    return tl_cli_scan(argc, argv);
}
