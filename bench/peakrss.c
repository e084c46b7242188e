/*
 * peakrss - run a command and report its wall time and peak RSS.
 *
 *   peakrss [-o FILE] [--] CMD [ARGS...]
 *
 * Runs CMD with stdin, stdout and stderr inherited, waits for it, and
 * prints one line "wall_seconds peak_rss_kib" (e.g. "1.234567 10240")
 * to stderr, or to FILE with -o. The peak RSS is ru_maxrss of
 * getrusage(RUSAGE_CHILDREN): kilobytes on Linux and the BSDs, bytes on
 * macOS (converted here). Exits with the command's status; 128 + N when
 * it was killed by signal N; 127 when it could not be run.
 *
 * Standalone, POSIX 2008: cc -std=c11 -D_POSIX_C_SOURCE=200809L
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *fp)
{
    fputs("Usage: peakrss [-o FILE] [--] CMD [ARGS...]\n"
          "Run CMD, then print \"wall_seconds peak_rss_kib\" to stderr (or\n"
          "FILE). Exits with CMD's exit status.\n",
          fp);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *outpath = NULL;
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            outpath = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }

    /* Like time(1): while the command runs, keyboard signals go to it
     * only, so that the report is still written. */
    struct sigaction ign, old_int, old_quit;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);

    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "peakrss: fork: %s\n", strerror(errno));
        return 127;
    }
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        execvp(argv[i], argv + i);
        fprintf(stderr, "peakrss: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "peakrss: waitpid: %s\n", strerror(errno));
            return 127;
        }
    }
    double wall = now() - t0;

    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
        fprintf(stderr, "peakrss: getrusage: %s\n", strerror(errno));
        return 127;
    }
#if defined(__APPLE__)
    long long kib = (long long)ru.ru_maxrss / 1024; /* bytes on macOS */
#else
    long long kib = (long long)ru.ru_maxrss; /* kilobytes elsewhere */
#endif

    FILE *out = stderr;
    if (outpath) {
        out = fopen(outpath, "w");
        if (!out) {
            fprintf(stderr, "peakrss: %s: %s\n", outpath, strerror(errno));
            return 127;
        }
    }
    fprintf(out, "%.6f %lld\n", wall, kib);
    if (outpath && fclose(out) != 0) {
        fprintf(stderr, "peakrss: %s: %s\n", outpath, strerror(errno));
        return 127;
    }

    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "peakrss: %s killed by signal %d\n", argv[i],
                WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return 127;
}
