/*
 * paths.c - where rules are found when no path is given.
 */
/* realpath() is XSI: ask for it explicitly. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"

#ifndef TL_DATADIR
#define TL_DATADIR "/usr/local/share"
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

static void push(char ***v, size_t *n, const char *s, size_t len)
{
    *v = tl_xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = tl_xstrndup(s, len);
    (*v)[*n] = NULL;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory holding the running executable, or NULL. */
static char *exe_dir(const char *argv0)
{
    char buf[PATH_MAX];
    char *path = NULL;
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        path = tl_xstrdup(buf);
    }
#if defined(__APPLE__)
    if (!path) {
        uint32_t size = sizeof buf;
        if (_NSGetExecutablePath(buf, &size) == 0) {
            char *r = realpath(buf, NULL);
            path = r ? r : tl_xstrdup(buf);
        }
    }
#endif
    if (!path && argv0 && strchr(argv0, '/')) {
        char *r = realpath(argv0, NULL);
        if (r)
            path = r;
    }
    if (!path)
        return NULL;
    char *slash = strrchr(path, '/');
    if (!slash) {
        free(path);
        return NULL;
    }
    if (slash == path)
        slash[1] = '\0';
    else
        *slash = '\0';
    return path;
}

char **tl_rules_default_paths(const char *argv0)
{
    char **v = NULL;
    size_t n = 0;
    const char *env = getenv("TRUSTLINE_RULES");
    if (env && *env) {
        const char *p = env;
        while (*p) {
            const char *c = strchr(p, ':');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            if (len)
                push(&v, &n, p, len);
            p += len;
            if (*p == ':')
                p++;
        }
        if (n)
            return v;
    }
    char *dir = exe_dir(argv0);
    if (dir) {
        static const char *const rel[] = {"/rules/macos", "/../rules/macos"};
        for (size_t i = 0; i < TL_ARRAY_LEN(rel); i++) {
            size_t len = strlen(dir) + strlen(rel[i]) + 1;
            char *cand = tl_xmalloc(len);
            memcpy(cand, dir, strlen(dir) + 1);
            strcat(cand, rel[i]);
            if (is_dir(cand)) {
                char *r = realpath(cand, NULL);
                push(&v, &n, r ? r : cand, strlen(r ? r : cand));
                free(r);
                free(cand);
                free(dir);
                return v;
            }
            free(cand);
        }
        free(dir);
    }
    const char *data = TL_DATADIR "/trustline/rules";
    push(&v, &n, data, strlen(data));
    return v;
}

void tl_rules_free_paths(char **paths)
{
    if (!paths)
        return;
    for (char **p = paths; *p; p++)
        free(*p);
    free(paths);
}
