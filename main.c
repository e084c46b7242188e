/*
 * main.c - the trustline command line: dispatch to a subcommand, signal
 * set-up, exit codes. The subcommands live in cli/.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* The commands that print through stdio (rules, explain, predicate,
 * --help): a failed write is an error too (exit 4), except a reader that
 * went away (EPIPE), which ends us quietly. */
static int finish_stdout(int rc)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    int err = errno;
    /* stdio may have met the error earlier (errno is gone by now): a pipe
     * whose reader has left shows POLLERR. */
    struct stat st;
    struct pollfd pfd = {.fd = STDOUT_FILENO, .events = POLLOUT};
    if (err == EPIPE ||
        (fstat(STDOUT_FILENO, &st) == 0 &&
         (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
         poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP))))
        return rc;
    fprintf(stderr, "trustline: <stdout>: error: write error: %s\n",
            err ? strerror(err) : "output lost (disk full?)");
    return rc == TL_EXIT_OK || rc == TL_EXIT_FOUND ? TL_EXIT_OUTPUT : rc;
}

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
        return finish_stdout(TL_EXIT_OK);
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("trustline %s\n", TL_VERSION);
        return finish_stdout(TL_EXIT_OK);
    }
    int rc = -1;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            rc = commands[i].fn(argc - 1, argv + 1);
            break;
        }
    if (rc < 0) {
        /* Not a command: the arguments are scan's (trustline FILE...). */
        argv[0] = scan_name;
        rc = tl_cli_scan(argc, argv);
    }
    return finish_stdout(rc);
}
