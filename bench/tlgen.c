/*
 * tlgen - a seeded generator of realistic macOS unified-log text.
 *
 * One event model (what `log show` knows about an event) rendered by one
 * writer per output style: default (with or without the TTL column),
 * compact, syslog, json (pretty array) and ndjson, laid out as
 * /work/shared/docs/log-formats.md describes them. Background noise from
 * many processes is mixed with the security incidents of docs/events.md
 * (expired certificates allowed "due to migration", notarization ticket
 * look-ups, AMFI kills, Gatekeeper rejections, XProtect, BSI failures).
 * A manifest lists every planted incident so that tests can check that
 * each one is found exactly once.
 *
 * Everything is deterministic for a given seed and option set: the
 * PRNG is xoshiro256** seeded through splitmix64, never rand(). The hot
 * loop formats numbers by hand and writes through a large buffer.
 *
 * Standalone: build with
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -o tlgen bench/tlgen.c
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------
 * Small helpers: allocation, fatal errors
 * ------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("tlgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory");
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---------------------------------------------------------------------
 * PRNG: splitmix64 to seed, xoshiro256** to draw
 * ------------------------------------------------------------------- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0 (multiply-shift on 32 bits for small n; the
 * tiny bias is irrelevant here). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    uint64_t v = rng_next(r);
    if (n <= UINT32_MAX)
        return ((v >> 32) * n) >> 32;
    return v % n;
}

/* Uniform in [lo, hi]. */
static inline uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

/* True with probability per_million / 1e6. */
static inline bool rng_chance(struct rng *r, uint32_t per_million)
{
    return rng_below(r, 1000000) < per_million;
}

/* Roughly exponential with the given mean (µs), from a 16-step table of
 * -ln(u) quantiles: cheap, deterministic, no libm. */
static uint64_t rng_exp(struct rng *r, uint64_t mean)
{
    static const uint16_t q[16] = {
        31, 97, 167, 241, 321, 406, 498, 598,
        708, 830, 969, 1130, 1322, 1563, 1891, 2773,
    }; /* 1000 * -ln(1 - (i + 0.5) / 16), slightly reshaped */
    uint64_t v = rng_next(r);
    uint64_t base = q[v & 15];
    uint64_t jitter = (v >> 8) % 1000; /* 0..999 */
    return mean * (base * 1000 + jitter * (base / 8 + 1)) / 1000000;
}

/* ---------------------------------------------------------------------
 * Output buffer
 * ------------------------------------------------------------------- */

#define OUT_CAP (4u << 20)
#define OUT_FLUSH (OUT_CAP - (1u << 20)) /* one record never exceeds 1 MiB */

static struct {
    char *buf;
    size_t len;
    uint64_t total; /* bytes written so far, including buf */
    FILE *fp;
} out;

static void out_flush(void)
{
    if (out.len && fwrite(out.buf, 1, out.len, out.fp) != out.len)
        die("write error: %s", strerror(errno));
    out.len = 0;
}

/* Call between records: flushes when the buffer is nearly full. */
static inline void out_maybe_flush(void)
{
    if (out.len >= OUT_FLUSH)
        out_flush();
}

static inline char *out_reserve(size_t n)
{
    if (out.len + n > OUT_CAP)
        out_flush();
    if (n > OUT_CAP)
        die("record too large (%zu bytes)", n);
    return out.buf + out.len;
}

static inline void out_mem(const char *s, size_t n)
{
    char *p = out_reserve(n);
    memcpy(p, s, n);
    out.len += n;
    out.total += n;
}

#define OUT_LIT(s) out_mem(s, sizeof(s) - 1)

static inline void out_str(const char *s)
{
    out_mem(s, strlen(s));
}

static inline void out_ch(char c)
{
    char *p = out_reserve(1);
    *p = c;
    out.len++;
    out.total++;
}

static inline void out_spaces(size_t n)
{
    char *p = out_reserve(n);
    memset(p, ' ', n);
    out.len += n;
    out.total += n;
}

/* ---------------------------------------------------------------------
 * Number formatting by hand
 * ------------------------------------------------------------------- */

/* Decimal digits of v into p (no NUL); returns the length. */
static inline size_t fmt_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

static const char hexlo[] = "0123456789abcdef";
static const char hexup[] = "0123456789ABCDEF";

/* Lowercase hex of v, no leading zeros, no prefix. */
static inline size_t fmt_hex(char *p, uint64_t v)
{
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = hexlo[v & 15];
        v >>= 4;
    } while (v);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

static inline void out_u64(uint64_t v)
{
    char *p = out_reserve(20);
    size_t n = fmt_u64(p, v);
    out.len += n;
    out.total += n;
}

/* Fixed-width hex: n digits, lowercase or uppercase. */
static void fmt_hexn(char *p, uint64_t v, size_t n, bool upper)
{
    const char *h = upper ? hexup : hexlo;
    for (size_t i = n; i-- > 0;) {
        p[i] = h[v & 15];
        v >>= 4;
    }
}

/* Random hex string of n digits into p (n may exceed 16). */
static void rand_hex(struct rng *r, char *p, size_t n, bool upper)
{
    while (n) {
        size_t k = n < 16 ? n : 16;
        fmt_hexn(p, rng_next(r), k, upper);
        p += k;
        n -= k;
    }
}

/* Upper-case UUID 8-4-4-4-12 into p (36 bytes + NUL). */
static void rand_uuid(struct rng *r, char *p)
{
    rand_hex(r, p, 8, true);
    p[8] = '-';
    rand_hex(r, p + 9, 4, true);
    p[13] = '-';
    rand_hex(r, p + 14, 4, true);
    p[14] = '3'; /* looks like the name-based UUIDs of Mach-O images */
    p[18] = '-';
    rand_hex(r, p + 19, 4, true);
    p[19] = "89AB"[rng_below(r, 4)];
    p[23] = '-';
    rand_hex(r, p + 24, 12, true);
    p[36] = '\0';
}

/* ---------------------------------------------------------------------
 * Time: local wall-clock microseconds since the epoch (UTC + offset)
 * ------------------------------------------------------------------- */

/* Days since 1970-01-01 to civil date (Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* Cache of "YYYY-MM-DD HH:MM:SS" for the current second. */
static struct {
    int64_t sec;
    char s[20];
    char tz[6]; /* "+0100" */
    int tz_min; /* offset in minutes */
} tcache = {.sec = INT64_MIN};

static void tz_set(int minutes)
{
    unsigned a = (unsigned)(minutes < 0 ? -minutes : minutes);
    tcache.tz_min = minutes;
    tcache.tz[0] = minutes < 0 ? '-' : '+';
    put2(tcache.tz + 1, a / 60);
    put2(tcache.tz + 3, a % 60);
    tcache.tz[5] = '\0';
}

/* The 19-byte date-time of a local timestamp (µs). */
static const char *time_sec(uint64_t t_us)
{
    int64_t sec = (int64_t)(t_us / 1000000);
    if (sec != tcache.sec) {
        int64_t days = sec / 86400, rem = sec % 86400;
        int y;
        unsigned mo, d;
        civil_from_days(days, &y, &mo, &d);
        char *p = tcache.s;
        put2(p, (unsigned)y / 100);
        put2(p + 2, (unsigned)y % 100);
        p[4] = '-';
        put2(p + 5, mo);
        p[7] = '-';
        put2(p + 8, d);
        p[10] = ' ';
        put2(p + 11, (unsigned)(rem / 3600));
        p[13] = ':';
        put2(p + 14, (unsigned)(rem / 60 % 60));
        p[16] = ':';
        put2(p + 17, (unsigned)(rem % 60));
        tcache.sec = sec;
    }
    return tcache.s;
}

/* "YYYY-MM-DD HH:MM:SS.uuuuuu+HHMM" (31 bytes) into p. */
static void fmt_ts_us(char *p, uint64_t t_us)
{
    memcpy(p, time_sec(t_us), 19);
    p[19] = '.';
    unsigned us = (unsigned)(t_us % 1000000);
    for (int i = 25; i >= 20; i--) {
        p[i] = (char)('0' + us % 10);
        us /= 10;
    }
    memcpy(p + 26, tcache.tz, 5);
}

/* "YYYY-MM-DD HH:MM:SS.mmm" (23 bytes) into p. */
static void fmt_ts_ms(char *p, uint64_t t_us)
{
    memcpy(p, time_sec(t_us), 19);
    p[19] = '.';
    unsigned ms = (unsigned)(t_us % 1000000 / 1000);
    p[20] = (char)('0' + ms / 100);
    p[21] = (char)('0' + ms / 10 % 10);
    p[22] = (char)('0' + ms % 10);
}

/* ---------------------------------------------------------------------
 * The event model
 * ------------------------------------------------------------------- */

enum ev_type { T_DEFAULT, T_INFO, T_DEBUG, T_ERROR, T_FAULT, T_ACTIVITY,
               T_TIMESYNC, T__COUNT };

static const struct {
    const char *col;     /* default-style Type column */
    const char *code;    /* compact code, 2 bytes */
    const char *msgtype; /* JSON messageType */
    const char *evtype;  /* JSON eventType */
} type_names[T__COUNT] = {
    [T_DEFAULT] = {"Default", "Df", "Default", "logEvent"},
    [T_INFO] = {"Info", "I ", "Info", "logEvent"},
    [T_DEBUG] = {"Debug", "Db", "Debug", "logEvent"},
    [T_ERROR] = {"Error", "E ", "Error", "logEvent"},
    [T_FAULT] = {"Fault", "F ", "Fault", "logEvent"},
    [T_ACTIVITY] = {"Activity", "A ", "Default", "activityCreateEvent"},
    [T_TIMESYNC] = {"Timesync", "  ", "Default", "timesyncEvent"},
};

/* One binary image: a process's main executable or a sender. */
struct image {
    const char *path;
    const char *name; /* basename, points into path */
    size_t path_len, name_len;
    char *path_json; /* JSON-escaped path (\/), without quotes */
    size_t path_json_len;
    char uuid[37];
};

struct tmpl;

struct proc {
    struct image *img;
    uint32_t pid, uid;
    unsigned weight;
    uint64_t tids[6];
    unsigned ntids;
    struct tmpl **tm; /* templates of this process, enabled ones only */
    unsigned ntm;
    uint64_t *tm_cum; /* cumulative template weights */
    uint64_t cur_aid; /* activity carried by the following events */
    unsigned aid_left;
};

/* A fully described event, what every writer renders. */
struct event {
    uint64_t t; /* local wall-clock µs since the epoch */
    enum ev_type type;
    const struct proc *pr; /* NULL for Timesync */
    const struct image *snd; /* sender image (== pr->img when same) */
    uint32_t pid, uid;
    uint64_t tid, aid, parent_aid;
    unsigned ttl;
    const char *sub, *cat; /* subsystem and category, NULL = none */
    size_t sub_len, cat_len;
    const char *msg; /* eventMessage */
    size_t msg_len;
    const char *fmt_json; /* formatString, JSON-escaped, no quotes */
    size_t fmt_json_len;
    uint64_t pc; /* senderProgramCounter = backtrace imageOffset */
    uint64_t trace_id;
};

/* ---------------------------------------------------------------------
 * Processes and message templates (background noise)
 *
 * Message patterns are written in a small template language; each
 * directive yields a value and, in the JSON formatString, the printf
 * specifier Apple's code would have used:
 *   {d:LO-HI}   decimal in [LO,HI]                    %d
 *   {x:N} {X:N} N hex digits, lower / upper case      %llx / %llX
 *   {s:a|b|c}   one of the words                      %{public}s
 *   {@:a|b|c}   one of the words                      %{public}@
 *   {p} {P}     <private>                             %@ / %{private}s
 *   {u}         an upper-case UUID                    %{public}@
 *   {f:LO-HI}   decimal with one fraction digit       %.1f
 *   {pn} {pp}   name / pid of a peer process          %{public}s / %d
 *   {c}         a run-wide increasing counter          %llu
 *   {m}         <mask.hash: '...'>                    %{private, mask.hash}s
 *   {b}         YES or NO                             %{BOOL}d
 *   {{          a literal '{'
 * A template may give its formatString explicitly instead (multi-line
 * values that are one %@ argument).
 * ------------------------------------------------------------------- */

struct proc_def {
    const char *path;
    uint32_t uid;
    unsigned weight; /* share of the background noise */
    unsigned nthreads;
};

static const struct proc_def proc_defs[] = {
    {"/kernel", 0, 14, 5},
    {"/sbin/launchd", 0, 7, 3},
    {"/System/Library/PrivateFrameworks/SkyLight.framework/Resources/WindowServer", 88, 11, 4},
    {"/usr/sbin/mDNSResponder", 65, 9, 3},
    {"/usr/libexec/locationd", 205, 7, 3},
    {"/usr/libexec/sharingd", 501, 4, 3},
    {"/usr/sbin/bluetoothd", 0, 5, 3},
    {"/usr/libexec/runningboardd", 0, 9, 4},
    {"/usr/libexec/trustd", 0, 3, 2},
    {"/usr/sbin/cfprefsd", 0, 4, 3},
    {"/usr/libexec/symptomsd", 0, 3, 2},
    {"/usr/libexec/syspolicyd", 0, 2, 4},
    {"/System/Library/PrivateFrameworks/TCC.framework/Support/tccd", 501, 3, 2},
    {"/usr/libexec/amfid", 0, 1, 2},
    {"/System/Library/CoreServices/powerd.bundle/powerd", 0, 3, 2},
    {"/usr/libexec/configd", 0, 3, 3},
    {"/usr/libexec/dasd", 0, 3, 2},
    {"/usr/libexec/UserEventAgent", 0, 2, 2},
    {"/usr/libexec/timed", 266, 1, 1},
    {"/usr/libexec/apsd", 0, 2, 2},
    {"/System/Library/Frameworks/CoreServices.framework/Versions/A/Frameworks/Metadata.framework/Versions/A/Support/mds_stores", 0, 2, 3},
    {"/System/Applications/Utilities/../../Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter", 501, 2, 2},
    {"/Applications/Safari.app/Contents/MacOS/Safari", 501, 3, 4},
    {"/System/Library/Frameworks/WebKit.framework/Versions/A/XPCServices/com.apple.WebKit.Networking.xpc/Contents/MacOS/com.apple.WebKit.Networking", 501, 3, 3},
    {"/Applications/Visual Studio Code.app/Contents/Frameworks/Code Helper (Plugin).app/Contents/MacOS/Code Helper (Plugin)", 501, 1, 2},
    {"/usr/bin/logger", 501, 1, 1},
    {"/Library/Frameworks/Python.framework/Versions/3.12/Resources/Python.app/Contents/MacOS/Python", 501, 1, 1},
    {"/System/Library/PrivateFrameworks/XprotectFramework.framework/Versions/A/XPCServices/XprotectService.xpc/Contents/MacOS/XprotectService", 0, 0, 1},
    {"/System/Library/ExtensionKit/Extensions/SecurityImprovementsExtension.appex/Contents/MacOS/SecurityImprovementsExtension", 0, 0, 1},
};

#define SND_SKYLIGHT "/System/Library/PrivateFrameworks/SkyLight.framework/Versions/A/SkyLight"
#define SND_SECURITY "/System/Library/Frameworks/Security.framework/Versions/A/Security"
#define SND_CFNETWORK "/System/Library/Frameworks/CFNetwork.framework/Versions/A/CFNetwork"
#define SND_LIBNETWORK "/usr/lib/libnetwork.dylib"
#define SND_SHARING "/System/Library/PrivateFrameworks/Sharing.framework/Versions/A/Sharing"
#define SND_COREFOUNDATION "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation"
#define SND_LIBINFO "/usr/lib/system/libsystem_info.dylib"
#define SND_RBS "/System/Library/PrivateFrameworks/RunningBoardServices.framework/Versions/A/RunningBoardServices"
#define SND_CORELOCATION "/System/Library/Frameworks/CoreLocation.framework/Versions/A/CoreLocation"
#define SND_APSSUPPORT "/System/Library/PrivateFrameworks/ApplePushService.framework/Versions/A/ApplePushService"
#define KEXT(n) "/System/Library/Extensions/" n ".kext/Contents/MacOS/" n
#define SND_APPLESMC KEXT("AppleSMC")
#define SND_IOPPF "/System/Library/Extensions/IOPlatformPluginFamily.kext/Contents/PlugIns/ACPI_SMC_PlatformPlugin.kext/Contents/MacOS/ACPI_SMC_PlatformPlugin"
#define SND_IOPPF2 KEXT("IOPlatformPluginFamily")
#define SND_AMFI KEXT("AppleMobileFileIntegrity")
#define SND_ASP KEXT("AppleSystemPolicy")
#define SND_APFS KEXT("apfs")
#define SND_IO80211 KEXT("IO80211Family")
#define SND_USBHOST KEXT("IOUSBHostFamily")
#define SND_SANDBOX KEXT("Sandbox")

enum { F_AMBIG = 1, F_MULTI = 2 };

struct tmpl_def {
    const char *proc;   /* process basename */
    const char *sender; /* sender image path, NULL = the process */
    const char *sub;    /* subsystem (may hold directives), NULL = none */
    const char *cat;
    char type;          /* D I B(debug) E F A(activity) */
    unsigned char ttl;
    unsigned short weight;
    unsigned char flags;
    const char *pat;
    const char *fmt; /* explicit formatString, or NULL */
};

static const struct tmpl_def tmpl_defs[] = {
    /* kernel */
    {"kernel", SND_APPLESMC, NULL, NULL, 'D', 0, 1, 0,
     "Previous shutdown cause: {d:3-5}", NULL},
    {"kernel", SND_APPLESMC, NULL, NULL, 'D', 0, 6, 0,
     "AppleSMC::smcHandleInterruptEvent WARNING status=0x{x:2} (0x{x:2} not registered)", NULL},
    {"kernel", SND_IOPPF2, NULL, NULL, 'D', 0, 8, 0,
     "IOPPF: thermal pressure level {d:0-2}, CPU power limit {d:20-100}%", NULL},
    {"kernel", SND_IOPPF, NULL, NULL, 'D', 0, 3, 0,
     "ACPI_SMC_PlatformPlugin::setCPUPowerLimit - limit {d:8000-45000} mW", NULL},
    {"kernel", NULL, NULL, NULL, 'D', 0, 6, 0,
     "memorystatus: killing_idle_process pid {pp} [{pn}] (sustained-memory-pressure {d:0-3}) {d:1000-90000}KB - memorystatus_available_pages: {d:50000-300000}", NULL},
    {"kernel", NULL, "com.apple.sandbox.reporting", "violation", 'E', 0, 8, 0,
     "Sandbox: {pn}({pp}) deny(1) {s:file-read-data|file-write-create|mach-lookup|network-outbound} {s:/Library/Preferences/com.apple.networkextension.plist|/private/var/db/mds/system/mds.lock|com.apple.tccd.system|/dev/dtracehelper}", NULL},
    {"kernel", SND_APFS, NULL, NULL, 'D', 0, 5, 0,
     "handle_cache_delete_update:{d:100-999}: disk3 Purgeable space: {d:1000-90000} MB", NULL},
    {"kernel", SND_APFS, NULL, NULL, 'D', 0, 3, 0,
     "apfs_vnop_rename:{d:7000-7999}: {pn}:{pp}: renaming into a dataless directory", NULL},
    {"kernel", SND_IO80211, NULL, NULL, 'D', 0, 6, 0,
     "IO80211Peer::logDebug: [{x:2}:{x:2}:{x:2}:{x:2}:{x:2}:{x:2}] rssi -{d:40-85} noise -{d:88-96} txRate {d:100-1200}", NULL},
    {"kernel", SND_USBHOST, NULL, NULL, 'D', 0, 2, 0,
     "AppleUSB20XHCIPort@{x:8}: AppleUSBHostPort::disconnect: persistent enumeration failures", NULL},
    {"kernel", NULL, NULL, NULL, 'D', 0, 3, 0,
     "process {pn}[{pp}] caught causing excessive wakeups. EXC_RESOURCE supressed: {d:45000-50000} wakes over {d:290-300} seconds", NULL},
    {"kernel", NULL, NULL, NULL, 'D', 0, 4, 0,
     "AppleKeyStore: operation failed (pid: {pp} sel: 7 ret: e00002c2 '-536870206'; 501,0)", NULL},
    {"kernel", NULL, NULL, NULL, 'D', 0, 2, 0,
     "Sandbox: {pn}({pp}) System Policy: deny(1) file-read-metadata /Volumes/{s:Backup|Untitled|Data}", NULL},

    /* launchd */
    {"launchd", NULL, "system", "", 'D', 0, 6, 0,
     "Successfully spawned {pn}[{pp}] because {s:ipc (mach)|demand|semaphore|inetd}", NULL},
    {"launchd", NULL, "gui/501 [100005]", "", 'D', 0, 5, 0,
     "internal event: {s:WILL_SPAWN|SPAWNED|SOURCE_ATTACH|EXITED}, code = 0", NULL},
    {"launchd", NULL, "gui/501 [100005]", "", 'D', 0, 3, 0,
     "service state: {s:running|spawn scheduled|not running}", NULL},
    {"launchd", NULL, "gui/501/com.apple.{s:mdworker.shared|quicklook.ThumbnailsAgent|photoanalysisd} [{pp}]", "", 'D', 0, 4, 0,
     "exited due to exit(0)", NULL},
    {"launchd", NULL, "system/com.apple.mdworker.shared.{X:8}-0000-0000-0000-000000000000 [{pp}]", "", 'D', 0, 3, 0,
     "xpcproxy spawned with pid {pp}", NULL},
    {"launchd", NULL, "system", "", 'D', 0, 2, 0,
     "Get process: ({pp}) failed: {s:no such process|3: No such process}", NULL},

    /* WindowServer */
    {"WindowServer", SND_SKYLIGHT, "com.apple.SkyLight", "default", 'D', 0, 8, 0,
     "0[SLSNewWindowWithOpaqueShapeAndContext]: CGXRegisterWindowWithSystemStatusBar: {d:100-999}", NULL},
    {"WindowServer", SND_SKYLIGHT, "com.apple.SkyLight", "default", 'D', 0, 5, 0,
     "{pp}[SetFrontProcessWithInfo]: CPS: Set front process: {pn} ({pp}), mode: {d:0-2}", NULL},
    {"WindowServer", SND_SKYLIGHT, "com.apple.SkyLight", "event", 'I', 0, 6, 0,
     "Post event type {d:1-12} to {pp}:{pn}, flags 0x{x:6}", NULL},
    {"WindowServer", SND_SKYLIGHT, "com.apple.SkyLight", "performance_instrumentation", 'D', 0, 4, 0,
     "Frame {c}: {d:1-16} layers, composite {f:0-8} ms, {s:WS|CA} present", NULL},
    {"WindowServer", SND_SKYLIGHT, "com.apple.SkyLight", "default", 'D', 0, 1, F_MULTI,
     "Display {d:1-3} configuration:\n\tmode {s:1728x1117|1512x982|2560x1440} @2.0 {s:120|60}Hz\n\tcolorspace {s:Color LCD|Display P3}\n\tmirrored NO",
     "Display %d configuration:\n%{public}@"},
    {"WindowServer", SND_SKYLIGHT, "com.apple.SkyLight", "default", 'F', 0, 1, 0,
     "CGXDisplayDidWakeNotification [{d:100000000000-999999999999}]: posting kCGSDisplayDidWake", NULL},
    {"WindowServer", NULL, "com.apple.WindowServer", "default", 'E', 0, 2, 0,
     "hw_lock_timeout: {d:1-4} display {d:1-3} not responding", NULL},

    /* mDNSResponder */
    {"mDNSResponder", NULL, "com.apple.mDNSResponder", "Default", 'D', 0, 8, 0,
     "[R{c}] DNSServiceQueryRecord(15000, 0, {m}, {s:A|AAAA|HTTPS}) START PID[{pp}]({pn})", NULL},
    {"mDNSResponder", NULL, "com.apple.mDNSResponder", "Default", 'D', 0, 6, 0,
     "[R{c}->Q{c}] Question for {m} ({s:A|AAAA|HTTPS}) assigned DNS service {d:1-90}", NULL},
    {"mDNSResponder", NULL, "com.apple.mdns", "resolver", 'D', 14, 6, 0,
     "[Q{c}] Sent {d:30-60}-byte query #1 to 192.168.1.1:53 over UDP via en0/{d:10-14} -- id: 0x{x:4} ({d:1000-65000}), flags: 0x0100, 1/0/0/0, qname: {m}, qtype: {s:A|AAAA|HTTPS}", NULL},
    {"mDNSResponder", NULL, "com.apple.mDNSResponder", "Default", 'D', 0, 4, 0,
     "[R{c}] DNSServiceQueryRecord STOP PID[{pp}]({pn})", NULL},

    /* locationd */
    {"locationd", NULL, "com.apple.locationd.Core", "Client", 'D', 5, 6, 0,
     "{{\"msg\":\"onClientEventAuthStatus\", \"event\":\"registration\", \"ClientKey\":\"com.apple.{s:weather|Maps|VoiceMemos|findmy}\", \"authStatus\":\"{s:Authorized|NotDetermined|Denied}\"}",
     "{\"msg\":\"onClientEventAuthStatus\", \"event\":%{public, location:escape_only}s, \"ClientKey\":%{public, location:escape_only}s, \"authStatus\":%{public, location:escape_only}s}"},
    {"locationd", NULL, "com.apple.locationd.Position", "Position", 'I', 5, 5, 0,
     "{{\"msg\":\"state transition\", \"state\":\"{s:CLWifiLocationProvider|CLGnssProvider}\", \"property\":\"fIsActive\", \"old\":\"{b}\", \"new\":\"{b}\"}",
     "{\"msg\":\"state transition\", \"state\":%{public, location:escape_only}s, \"property\":\"fIsActive\", \"old\":%{BOOL}d, \"new\":%{BOOL}d}"},
    {"locationd", NULL, NULL, NULL, 'A', 0, 2, 0,
     "CL: notifyClientsWithData (Fallback)", NULL},
    {"locationd", NULL, "com.apple.locationd.Motion", "Motion", 'B', 0, 3, 0,
     "Motion activity: {s:Stationary|Walking|Unknown}, confidence {d:0-2}", NULL},

    /* sharingd, ControlCenter */
    {"sharingd", NULL, "com.apple.sharing", "AirDrop", 'D', 0, 4, 0,
     "Scanning mode {s:Everyone|Contacts Only|Off}, peers {d:0-6}", NULL},
    {"sharingd", NULL, "com.apple.sharing", "Handoff", 'D', 0, 4, 0,
     "Handoff: Scanner started: 0x{x:1}, advertising {b}", NULL},
    {"sharingd", NULL, "com.apple.sharing", "Bluetooth", 'B', 0, 3, 0,
     "Found device {p} RSSI -{d:40-95} type {d:1-16}", NULL},
    {"ControlCenter", SND_SHARING, "com.apple.sharing", "AirDrop", 'D', 0, 4, 0,
     "AirDrop mode changed to {s:Everyone for 10 Minutes|Contacts Only|Receiving Off}", NULL},
    {"ControlCenter", NULL, "com.apple.controlcenter", "displayable", 'D', 0, 3, 0,
     "Module {s:WiFi|Bluetooth|Battery|NowPlaying} visibility changed: {b}", NULL},

    /* bluetoothd */
    {"bluetoothd", NULL, "com.apple.bluetooth", "Server.LE.Scan", 'D', 3, 6, 0,
     "Scanning started with parameters: interval {d:30-300}ms, window {d:10-30}ms, duplicates {b}, active {b}", NULL},
    {"bluetoothd", NULL, "com.apple.bluetooth", "HIDProfileDispatch", 'B', 3, 4, 0,
     "HIDInterruptData: Before Dispatch", NULL},
    {"bluetoothd", NULL, "com.apple.bluetooth", "Server.Core", 'D', 3, 4, 0,
     "Device {p} RSSI -{d:40-95} dBm, connected {b}", NULL},
    {"bluetoothd", NULL, "com.apple.bluetooth", "Server.Core", 'E', 3, 1, 0,
     "Failed to connect to device {p}: error {d:700-799}", NULL},

    /* runningboardd */
    {"runningboardd", NULL, "com.apple.runningboard", "process", 'D', 0, 8, 0,
     "[app<application.com.apple.{s:Safari|mail|Notes|Music}.{d:1000000-9999999}.{d:1000000-9999999}>:{pp}] Set darwin role to: {s:UserInteractiveFocal|UserInteractive|Background|None}", NULL},
    {"runningboardd", NULL, "com.apple.runningboard", "assertion", 'D', 0, 6, 0,
     "[osservice<com.apple.{s:WindowServer(88)|coreaudiod(210)|powerd(104)}>:{d:80-400}] Ignoring suspend because this process is not lifecycle managed", NULL},
    {"runningboardd", NULL, "com.apple.runningboard", "assertion", 'D', 0, 3, F_MULTI,
     "Acquiring assertion targeting [app<application.com.apple.{s:Safari|mail|Notes}.{d:1000000-9999999}.{d:1000000-9999999}>:{pp}] from originator [osservice<com.apple.WindowServer(88)>:{d:380-390}] with description <RBSAssertionDescriptor| \"FUSBProcessWindowState: visible\" ID:{d:300-400}-{d:300-400}-{d:10000-99999} target:{pp} attributes:[\n\t<RBSDomainAttribute| domain:\"com.apple.fuseboard\" name:\"Visible\" sourceEnvironment:\"(null)\">\n\t]>",
     "Acquiring assertion targeting %{public}@ from originator %{public}@ with description %{public}@"},
    {"runningboardd", NULL, "com.apple.runningboard", "general", 'F', 0, 1, 0,
     "Invalid assertion attribute for target {pp}: <RBSLegacyAttribute| requestedReason:FinishTask reason:FinishTask flags:( PreventTaskSuspend )>", NULL},
    {"runningboardd", SND_RBS, "com.apple.runningboard", "monitor", 'B', 0, 5, 0,
     "Received state update for {pp} (app<application.com.apple.{s:Safari|mail|Notes}.{d:1000000-9999999}>, running-active-NotVisible", NULL},

    /* trustd */
    {"trustd", NULL, "com.apple.securityd", "ocsp", 'D', 0, 4, 0,
     "Reusing cached OCSP response for {p}, valid until {d:1-72} hours", NULL},
    {"trustd", NULL, "com.apple.securityd", "validupdate", 'D', 0, 2, 0,
     "Update check: next update in {d:500-3600} seconds", NULL},
    {"trustd", NULL, "com.apple.securityd", "trust", 'I', 0, 3, 0,
     "SecTrustEvaluateIfNecessary: evaluation took {d:1-40} ms for {p}", NULL},

    /* cfprefsd */
    {"cfprefsd", NULL, "com.apple.defaults", "cfprefsd", 'D', 0, 4, 0,
     "Couldn't open parent path due to [2: No such file or directory]. Path: /private/var/db/Managed Preferences/{p}", NULL},
    {"cfprefsd", NULL, "com.apple.defaults", "cfprefsd", 'D', 0, 3, 0,
     "rejecting write of key(s) {p} in {{ com.apple.{s:Safari|dock|finder}, {p}, kCFPreferencesCurrentUser, kCFPreferencesAnyHost, no container, managed: 0 } from process {pp} ({pn}) because setting these preferences requires user-preference-write or file-write-data sandbox access", NULL},
    {"cfprefsd", NULL, "com.apple.defaults", "cfprefsd", 'B', 0, 4, 0,
     "Process {pp} ({pn}) read data for {{ com.apple.{s:Safari|dock|finder|HIToolbox}, kCFPreferencesCurrentUser }", NULL},

    /* symptomsd */
    {"symptomsd", NULL, "com.apple.symptomsd", "flow", 'D', 0, 5, 0,
     "Data Usage for {pn} on flow {d:10000-99999} - WiFi in: {d:0-90000}, WiFi out: {d:0-9000}, WiredEthernet in: 0, WiredEthernet out: 0", NULL},
    {"symptomsd", NULL, "com.apple.symptomsd", "analytics", 'D', 0, 2, 0,
     "NWInterfaceStats: en0 rxbytes {d:1000000-900000000} txbytes {d:100000-90000000}", NULL},

    /* syspolicyd (ordinary traffic) */
    {"syspolicyd", NULL, "com.apple.syspolicy.exec", "default", 'D', 0, 3, 0,
     "Dispatching exec evaluation for pid {pp}: {p}", NULL},
    {"syspolicyd", NULL, "com.apple.syspolicy", "default", 'D', 0, 2, 0,
     "Provenance sandbox check skipped for platform binary: {pn}", NULL},

    /* tccd */
    {"tccd", NULL, "com.apple.TCC", "access", 'D', 0, 4, 0,
     "AUTHREQ_CTX: msgID={d:300-600}.{d:1-9999}, function=TCCAccessRequest, service=kTCCService{s:ListenEvent|Camera|Microphone|SystemPolicyDesktopFolder}, preflight=yes, query=1, client_dict=(null), daemon_dict=0x{x:12}", NULL},
    {"tccd", NULL, "com.apple.TCC", "access", 'D', 0, 4, 0,
     "AUTHREQ_RESULT: msgID={d:300-600}.{d:1-9999}, authValue={d:0-2}, authReason={d:2-5}, authVersion=1, desired_auth=0, error=(null),", NULL},
    {"tccd", NULL, "com.apple.TCC", "access", 'I', 0, 2, 0,
     "AUTHREQ_ATTRIBUTION: msgID={d:300-600}.{d:1-9999}, attribution={{accessing={{TCCDProcess: identifier=com.apple.{s:Terminal|Safari|finder}, pid={pp}, auid=501, euid=501, binary_path=<private>}, requesting={{TCCDProcess: identifier=com.apple.sandboxd, pid={d:90-300}, auid=0, euid=0, binary_path=/usr/libexec/sandboxd}, },", NULL},

    /* amfid (ordinary traffic) */
    {"amfid", NULL, "com.apple.MobileFileIntegrity", "amfid", 'D', 0, 1, 0,
     "Validated code signature for pid {pp} in {d:1-30} ms", NULL},

    /* powerd */
    {"powerd", NULL, "com.apple.powerd", "assertions", 'D', 0, 6, 0,
     "Process {pn}.{pp} {s:Created|Released} {s:PreventUserIdleSystemSleep|PreventUserIdleDisplaySleep|BackgroundTask} \"{s:com.apple.audio.context.preventuseridlesleep|Playing audio|com.apple.backupd.fsevents}\" age:00:00:{d:10-59}  id:{d:51539600000-51539699999} [System: PrevIdle DeclUser kDisp]", NULL},
    {"powerd", NULL, "com.apple.powerd", "sleepWake", 'D', 0, 1, F_MULTI,
     "Power assertion summary:\n--------------------------------------------------------------------------------------------------------------------\n  PreventUserIdleSystemSleep  {d:0-3}\n  PreventUserIdleDisplaySleep {d:0-2}\n  BackgroundTask              {d:0-6}",
     "%{public}s"},

    /* configd */
    {"configd", NULL, "com.apple.SystemConfiguration", "IPMonitor", 'D', 0, 4, 0,
     "network changed: v4(en0!:192.168.1.{d:2-250}) DNS! Proxy SMB", NULL},
    {"configd", NULL, "com.apple.SystemConfiguration", "IPMonitor", 'D', 0, 1, F_MULTI,
     "Current network configuration: {{\n    InterfaceName = en0;\n    PrimaryService = \"{u}\";\n    Router = \"<private>\";\n    NetworkSignature = \"<private>\";\n}",
     "Current network configuration: %@"},
    {"configd", NULL, "com.apple.SystemConfiguration", "SCPreferences", 'B', 0, 3, 0,
     "SCPreferences() access: {s:preferences.plist|NetworkInterfaces.plist}, size={d:2000-40000}", NULL},

    /* dasd */
    {"dasd", NULL, "com.apple.duetactivityscheduler", "scoring", 'D', 0, 5, 0,
     "'com.apple.{s:photoanalysisd.backgroundanalysis|mediaanalysisd.fullProcessing|softwareupdated.check|cloudd.sync}:{X:6}':{pp} Decision: {s:Must Not Proceed|Can Proceed|Must Proceed}", NULL},
    {"dasd", NULL, "com.apple.duetactivityscheduler", "lifecycle", 'D', 0, 2, 0,
     "SUBMITTING: com.apple.{s:backupd-auto|icloud.fmfd.heartbeat|mobileassetd.auto-asset}:{X:6}", NULL},

    /* UserEventAgent */
    {"UserEventAgent", NULL, "com.apple.xpc.activity", "All", 'D', 0, 3, 0,
     "_xpc_activity_register: com.apple.{s:securityuploadd.triggerupload|icloud.searchpartyd.beacon-keys|ap.adprivacyd.reconcile}, criteria: {{ interval: {d:60-86400} }", NULL},

    /* timed */
    {"timed", NULL, "com.apple.timed", "", 'D', 0, 3, 0,
     "cmd,fetchTime,num,{d:0-5},err,{d:0-5},", NULL},

    /* apsd */
    {"apsd", SND_APSSUPPORT, "com.apple.apsd", "connection", 'D', 0, 4, 0,
     "<APSCourier: 0x{x:12}>: Stream processing: complete {d:1-3}", NULL},
    {"apsd", NULL, "com.apple.apsd", "connection", 'B', 0, 2, 0,
     "Sending filter message for enabled hashes {{ {p} } ignored hashes {{ } opportunistic hashes {{ {p} }", NULL},

    /* mds_stores */
    {"mds_stores", NULL, "com.apple.spotlightindex", "Index", 'D', 0, 4, 0,
     "Updating {d:1-40} items, {d:0-5} deletions, {d:0-9} moves on volume {u}", NULL},

    /* Safari and WebKit networking */
    {"Safari", SND_CFNETWORK, "com.apple.CFNetwork", "Default", 'D', 0, 4, 0,
     "Task <{u}>.<{d:1-300}> finished with error [-999] Error Domain=NSURLErrorDomain Code=-999 \"cancelled\" UserInfo={{NSErrorFailingURLStringKey=<private>, NSErrorFailingURLKey=<private>, _NSURLErrorRelatedURLSessionTaskErrorKey=(\n    \"LocalDataTask <{u}>.<{d:1-300}>\"\n), _NSURLErrorFailingURLSessionTaskErrorKey=LocalDataTask <{u}>.<{d:1-300}>, NSLocalizedDescription=cancelled}",
     "Task <%{public}@>.<%u> finished with error [%d] %@"},
    {"Safari", NULL, "com.apple.Safari", "Tabs", 'D', 0, 3, 0,
     "Tab {d:1-40} navigated, {d:1-12} tabs open", NULL},
    {"com.apple.WebKit.Networking", SND_LIBNETWORK, "com.apple.network", "connection", 'D', 0, 6, 0,
     "nw_connection_report_state_with_handler_on_nw_queue [C{c}] reporting state {s:preparing|ready|cancelled}", NULL},
    {"com.apple.WebKit.Networking", SND_CFNETWORK, "com.apple.CFNetwork", "Default", 'D', 0, 4, 0,
     "Task <{u}>.<{d:1-300}> now using Connection {d:1-400}", NULL},

    /* third-party apps; one begins with '[' and has no subsystem */
    {"Code Helper (Plugin)", SND_COREFOUNDATION, "com.apple.defaults", "User Defaults", 'D', 0, 3, 0,
     "CFPrefsPlistSource<0x{x:12}> (Domain: com.microsoft.VSCode.helper, User: kCFPreferencesCurrentUser, ByHost: No, Container: (null), Contents Need Refresh: No): Value for key AppleLanguages was read from a different container", NULL},
    {"Code Helper (Plugin)", SND_LIBINFO, NULL, NULL, 'A', 0, 1, 0,
     "Retrieve User by Name", NULL},
    {"logger", NULL, NULL, NULL, 'D', 0, 2, 0,
     "[backup] rsync finished in {d:2-600}s with {d:0-0} errors", NULL},
    {"logger", NULL, NULL, NULL, 'D', 0, 1, 0,
     "vmnet-broker: Downloading image {d:1-9} of 9", NULL},
    {"Python", NULL, NULL, NULL, 'D', 0, 1, F_AMBIG,
     "[sync-worker:WARN] retrying upload in {d:1-30}s", NULL},
    {"Python", NULL, NULL, NULL, 'D', 0, 3, 0,
     "sync-worker: uploaded {d:1-40} files ({d:10-9000} KB)", NULL},
    {"Python", NULL, NULL, NULL, 'E', 0, 1, F_MULTI,
     "Traceback (most recent call last):\n  File \"/Users/alice/sync/worker.py\", line {d:10-400}, in run\n    self.upload(batch)\n\nConnectionResetError: [Errno 54] Connection reset by peer",
     "%{public}s"},
};

/* ---------------------------------------------------------------------
 * JSON string escaping: " \ / and control characters (log's style)
 * ------------------------------------------------------------------- */

static unsigned char json_class[256]; /* 0 plain, 1 two-char, 2 \u00XX */

static void json_init(void)
{
    for (int c = 0; c < 0x20; c++)
        json_class[c] = 2;
    json_class['\n'] = json_class['\t'] = json_class['\r'] = 1;
    json_class['\b'] = json_class['\f'] = 1;
    json_class['"'] = json_class['\\'] = json_class['/'] = 1;
}

/* Escape n bytes of s into d (room for 6 * n); returns the length. */
static size_t json_esc(char *d, const char *s, size_t n)
{
    char *p = d;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (json_class[c]) {
        case 0:
            *p++ = (char)c;
            break;
        case 1:
            *p++ = '\\';
            switch (c) {
            case '\n': *p++ = 'n'; break;
            case '\t': *p++ = 't'; break;
            case '\r': *p++ = 'r'; break;
            case '\b': *p++ = 'b'; break;
            case '\f': *p++ = 'f'; break;
            default: *p++ = (char)c; break;
            }
            break;
        default:
            memcpy(p, "\\u00", 4);
            p[4] = hexlo[c >> 4];
            p[5] = hexlo[c & 15];
            p += 6;
            break;
        }
    }
    return (size_t)(p - d);
}

static inline void out_json_str(const char *s, size_t n)
{
    char *p = out_reserve(6 * n + 2);
    p[0] = '"';
    size_t k = json_esc(p + 1, s, n);
    p[k + 1] = '"';
    out.len += k + 2;
    out.total += k + 2;
}

static char *json_dup(const char *s, size_t n, size_t *len)
{
    char *d = xmalloc(6 * n + 1);
    *len = json_esc(d, s, n);
    d[*len] = '\0';
    return d;
}

/* ---------------------------------------------------------------------
 * World: images, processes, compiled templates
 * ------------------------------------------------------------------- */

static struct rng wrng; /* world set-up, incident data */
static struct rng erng; /* event stream */

static struct image **images;
static size_t nimages;

static struct image *image_get(const char *path)
{
    for (size_t i = 0; i < nimages; i++)
        if (strcmp(images[i]->path, path) == 0)
            return images[i];
    struct image *im = xmalloc(sizeof *im);
    im->path = path;
    im->path_len = strlen(path);
    const char *slash = strrchr(path, '/');
    im->name = slash ? slash + 1 : path;
    im->name_len = strlen(im->name);
    im->path_json = json_dup(path, im->path_len, &im->path_json_len);
    rand_uuid(&wrng, im->uuid);
    images = xrealloc(images, (nimages + 1) * sizeof *images);
    images[nimages++] = im;
    return im;
}

static struct proc *procs;
static size_t nprocs;
static uint64_t *proc_cum; /* cumulative noise weights */
static uint32_t next_pid;  /* pids of processes started later */

static struct proc *proc_find(const char *name)
{
    for (size_t i = 0; i < nprocs; i++)
        if (strcmp(procs[i].img->name, name) == 0)
            return &procs[i];
    die("internal: no process %s", name);
    return NULL;
}

static uint64_t rand_tid(struct rng *r)
{
    return rng_range(r, 0x200, 0x3fffff);
}

static uint32_t new_pid(void)
{
    next_pid += (uint32_t)rng_range(&wrng, 1, 40);
    if (next_pid > 99990)
        next_pid = 400;
    return next_pid;
}

enum op_kind { OP_LIT, OP_DEC, OP_HEX, OP_HEXU, OP_WORD, OP_PRIV, OP_UUID,
               OP_FLOAT, OP_PEERNAME, OP_PEERPID, OP_COUNTER, OP_MASK,
               OP_BOOL };

struct word {
    const char *s;
    size_t len;
};

struct op {
    enum op_kind kind;
    uint64_t lo, hi; /* ranges; hex digit count in lo */
    const char *s;   /* literal */
    size_t len;
    struct word *w;
    unsigned nw;
};

struct ops {
    struct op *v;
    unsigned n;
};

struct tmpl {
    const struct tmpl_def *def;
    struct proc *pr;
    struct image *snd;
    struct ops ops, sub_ops; /* sub_ops.n == 0: subsystem is constant */
    enum ev_type type;
    char *fmt_json;
    size_t fmt_json_len;
    uint64_t pc;
};

static struct tmpl *tmpls;
static struct tmpl **multi_tm; /* multi-line templates */
static size_t n_multi;
static uint32_t multi_ppm = 5000; /* share of background events that are multi-line */

/* Compile pattern pat; append the derived formatString to *fmt (a
 * growable string). */
static void compile(const char *pat, struct ops *o, char **fmt, size_t *flen)
{
    size_t cap = 0;
    o->v = NULL;
    o->n = 0;
    const char *p = pat;
    while (*p) {
        if ((size_t)o->n + 1 > cap) {
            cap = cap ? 2 * cap : 8;
            o->v = xrealloc(o->v, cap * sizeof *o->v);
        }
        struct op *op = &o->v[o->n];
        memset(op, 0, sizeof *op);
        const char *spec = NULL;
        if (p[0] == '{' && p[1] == '{') {
            op->kind = OP_LIT;
            op->s = p;
            op->len = 1;
            p += 2;
            spec = "{";
        } else if (p[0] == '{') {
            const char *e = strchr(p, '}');
            if (!e)
                die("internal: bad pattern %s", pat);
            const char *a = p + 1;
            size_t an = (size_t)(e - a);
            const char *arg = memchr(a, ':', an);
            char k = a[0];
            if (an == 2 && a[0] == 'p' && a[1] == 'n') {
                op->kind = OP_PEERNAME;
                spec = "%{public}s";
            } else if (an == 2 && a[0] == 'p' && a[1] == 'p') {
                op->kind = OP_PEERPID;
                spec = "%d";
            } else if (k == 'd' || k == 'f') {
                char *end;
                op->kind = k == 'd' ? OP_DEC : OP_FLOAT;
                op->lo = strtoull(arg + 1, &end, 10);
                op->hi = strtoull(end + 1, NULL, 10);
                spec = k == 'd' ? "%d" : "%.1f";
            } else if (k == 'x' || k == 'X') {
                op->kind = k == 'x' ? OP_HEX : OP_HEXU;
                op->lo = strtoull(arg + 1, NULL, 10);
                spec = k == 'x' ? "%llx" : "%llX";
            } else if (k == 's' || k == '@') {
                op->kind = OP_WORD;
                const char *w = arg + 1;
                while (w <= e) {
                    const char *bar = w;
                    while (bar < e && *bar != '|')
                        bar++;
                    op->w = xrealloc(op->w, (op->nw + 1) * sizeof *op->w);
                    op->w[op->nw].s = w;
                    op->w[op->nw].len = (size_t)(bar - w);
                    op->nw++;
                    w = bar + 1;
                }
                spec = k == 's' ? "%{public}s" : "%{public}@";
            } else if (k == 'p' || k == 'P') {
                op->kind = OP_PRIV;
                spec = k == 'p' ? "%@" : "%{private}s";
            } else if (k == 'u') {
                op->kind = OP_UUID;
                spec = "%{public}@";
            } else if (k == 'c') {
                op->kind = OP_COUNTER;
                spec = "%llu";
            } else if (k == 'm') {
                op->kind = OP_MASK;
                spec = "%{private, mask.hash}s";
            } else if (k == 'b') {
                op->kind = OP_BOOL;
                spec = "%{BOOL}d";
            } else {
                die("internal: bad directive in %s", pat);
            }
            p = e + 1;
        } else {
            const char *q = p;
            while (*q && *q != '{')
                q++;
            op->kind = OP_LIT;
            op->s = p;
            op->len = (size_t)(q - p);
            p = q;
        }
        o->n++;
        if (fmt) {
            const char *add = spec;
            size_t an = spec ? strlen(spec) : 0;
            size_t extra = op->kind == OP_LIT && !spec ? 2 * op->len : an;
            *fmt = xrealloc(*fmt, *flen + extra + 1);
            if (op->kind == OP_LIT && !spec) {
                for (size_t i = 0; i < op->len; i++) {
                    if (op->s[i] == '%')
                        (*fmt)[(*flen)++] = '%';
                    (*fmt)[(*flen)++] = op->s[i];
                }
            } else {
                memcpy(*fmt + *flen, add, an);
                *flen += an;
            }
            (*fmt)[*flen] = '\0';
        }
    }
}

static uint64_t counter; /* {c}: request and connection numbers */
static uint64_t next_aid;

/* Peer process of one event, chosen on first use. */
struct gen_ctx {
    const struct proc *peer;
};

static const struct proc *peer_get(struct gen_ctx *g)
{
    if (!g->peer) {
        const struct proc *p;
        do
            p = &procs[rng_below(&erng, nprocs)];
        while (p->pid <= 1 || p->weight == 0);
        g->peer = p;
    }
    return g->peer;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Render ops into d (the caller leaves at least 4 KiB of room per
 * pattern); returns the length. */
static size_t gen_ops(const struct ops *o, char *d, struct gen_ctx *g)
{
    char *p = d;
    for (unsigned i = 0; i < o->n; i++) {
        const struct op *op = &o->v[i];
        switch (op->kind) {
        case OP_LIT:
            memcpy(p, op->s, op->len);
            p += op->len;
            break;
        case OP_DEC:
            p += fmt_u64(p, rng_range(&erng, op->lo, op->hi));
            break;
        case OP_FLOAT: {
            uint64_t v = rng_range(&erng, op->lo * 10, op->hi * 10);
            p += fmt_u64(p, v / 10);
            *p++ = '.';
            *p++ = (char)('0' + v % 10);
            break;
        }
        case OP_HEX:
        case OP_HEXU:
            rand_hex(&erng, p, op->lo, op->kind == OP_HEXU);
            p += op->lo;
            break;
        case OP_WORD: {
            const struct word *w = &op->w[rng_below(&erng, op->nw)];
            memcpy(p, w->s, w->len);
            p += w->len;
            break;
        }
        case OP_PRIV:
            memcpy(p, "<private>", 9);
            p += 9;
            break;
        case OP_UUID:
            rand_uuid(&erng, p);
            p += 36;
            break;
        case OP_PEERNAME: {
            const struct proc *pe = peer_get(g);
            memcpy(p, pe->img->name, pe->img->name_len);
            p += pe->img->name_len;
            break;
        }
        case OP_PEERPID:
            p += fmt_u64(p, peer_get(g)->pid);
            break;
        case OP_COUNTER:
            counter += rng_range(&erng, 1, 3);
            p += fmt_u64(p, counter);
            break;
        case OP_MASK: {
            memcpy(p, "<mask.hash: '", 13);
            p += 13;
            uint64_t v = rng_next(&erng), v2 = rng_next(&erng);
            for (int k = 0; k < 22; k++) {
                *p++ = b64[(k < 10 ? v : v2) & 63];
                if (k < 10)
                    v >>= 6;
                else
                    v2 >>= 5;
            }
            memcpy(p, "=='>", 4);
            p += 4;
            break;
        }
        case OP_BOOL:
            if (rng_next(&erng) & 1) {
                memcpy(p, "YES", 3);
                p += 3;
            } else {
                memcpy(p, "NO", 2);
                p += 2;
            }
            break;
        }
    }
    return (size_t)(p - d);
}

static enum ev_type type_of(char c)
{
    switch (c) {
    case 'I': return T_INFO;
    case 'B': return T_DEBUG;
    case 'E': return T_ERROR;
    case 'F': return T_FAULT;
    case 'A': return T_ACTIVITY;
    default: return T_DEFAULT;
    }
}

/* Settings that shape the event stream. */
static struct {
    bool info, debug;   /* include Info / Debug events (log show --info/--debug) */
    bool ambiguous;     /* '[x:y]'-led messages without a subsystem */
    char boot_uuid[37];
    uint64_t boot_t;    /* local µs of the last boot */
} world;

static bool type_enabled(enum ev_type t)
{
    return (t != T_INFO || world.info) && (t != T_DEBUG || world.debug);
}

static void world_init(void)
{
    nprocs = ARRAY_LEN(proc_defs);
    procs = calloc(nprocs, sizeof *procs);
    if (!procs)
        die("out of memory");
    next_pid = 80;
    for (size_t i = 0; i < nprocs; i++) {
        struct proc *pr = &procs[i];
        pr->img = image_get(proc_defs[i].path);
        pr->uid = proc_defs[i].uid;
        pr->weight = proc_defs[i].weight;
        if (i == 0)
            pr->pid = 0;
        else if (i == 1)
            pr->pid = 1;
        else {
            if (pr->uid == 501 && next_pid < 500)
                next_pid = 500 + (uint32_t)rng_below(&wrng, 100);
            pr->pid = new_pid();
        }
        pr->ntids = proc_defs[i].nthreads;
        for (unsigned k = 0; k < pr->ntids; k++)
            pr->tids[k] = rand_tid(&wrng);
    }
    next_pid += 2000 + (uint32_t)rng_below(&wrng, 20000);

    size_t nt = ARRAY_LEN(tmpl_defs);
    tmpls = calloc(nt, sizeof *tmpls);
    if (!tmpls)
        die("out of memory");
    for (size_t i = 0; i < nt; i++) {
        const struct tmpl_def *d = &tmpl_defs[i];
        struct tmpl *t = &tmpls[i];
        t->def = d;
        t->pr = proc_find(d->proc);
        t->snd = d->sender ? image_get(d->sender) : t->pr->img;
        t->type = type_of(d->type);
        char *fmt = NULL;
        size_t flen = 0;
        compile(d->pat, &t->ops, d->fmt ? NULL : &fmt, &flen);
        if (d->fmt) {
            flen = strlen(d->fmt);
            fmt = xstrndup(d->fmt, flen);
        }
        if (t->pr->pid == 0) { /* kernel printf formats end in a newline */
            fmt = xrealloc(fmt, flen + 2);
            fmt[flen++] = '\n';
            fmt[flen] = '\0';
        }
        t->fmt_json = json_dup(fmt, flen, &t->fmt_json_len);
        free(fmt);
        if (d->sub && strchr(d->sub, '{'))
            compile(d->sub, &t->sub_ops, NULL, NULL);
        t->pc = rng_range(&wrng, 0x1000, 0x2fffff);
        bool on = type_enabled(t->type) &&
                  (world.ambiguous || !(d->flags & F_AMBIG));
        if (!on)
            continue;
        if ((d->flags & F_MULTI) || strchr(d->pat, '\n')) {
            /* multi-line: chosen by a global rate instead */
            multi_tm = xrealloc(multi_tm, (n_multi + 1) * sizeof *multi_tm);
            multi_tm[n_multi++] = t;
            continue;
        }
        struct proc *pr = t->pr;
        pr->tm = xrealloc(pr->tm, (pr->ntm + 1) * sizeof *pr->tm);
        pr->tm_cum = xrealloc(pr->tm_cum, (pr->ntm + 1) * sizeof *pr->tm_cum);
        pr->tm[pr->ntm] = t;
        pr->tm_cum[pr->ntm] = (pr->ntm ? pr->tm_cum[pr->ntm - 1] : 0) + d->weight;
        pr->ntm++;
    }
    proc_cum = xmalloc(nprocs * sizeof *proc_cum);
    uint64_t sum = 0;
    for (size_t i = 0; i < nprocs; i++) {
        if (procs[i].ntm)
            sum += procs[i].weight;
        proc_cum[i] = sum;
    }
    counter = rng_range(&wrng, 1000, 30000);
    next_aid = rng_range(&wrng, 0x1000, 0x40000);
    rand_uuid(&wrng, world.boot_uuid);
}

static struct proc *pick_proc(void)
{
    uint64_t r = rng_below(&erng, proc_cum[nprocs - 1]);
    size_t i = 0;
    while (proc_cum[i] <= r)
        i++;
    return &procs[i];
}

static char msgbuf[1 << 16];
static char subbuf[1024];

static uint64_t new_trace_id(void)
{
    /* Separate statements: the order of two PRNG calls inside one
     * expression is unspecified, and compilers differ. */
    uint64_t v = rng_next(&erng);
    return v >> rng_range(&erng, 4, 14);
}

static uint64_t new_aid(void)
{
    next_aid += rng_range(&erng, 1, 300);
    return next_aid;
}

/* Fill ev with one background event of template t on thread tid. */
static void make_event(struct event *ev, const struct tmpl *t, uint64_t tid)
{
    struct proc *pr = t->pr;
    struct gen_ctx g = {NULL};
    ev->type = t->type;
    ev->pr = pr;
    ev->snd = t->snd;
    ev->pid = pr->pid;
    ev->uid = pr->uid;
    ev->tid = tid;
    ev->ttl = t->def->ttl;
    ev->parent_aid = 0;
    if (t->type == T_ACTIVITY) {
        ev->aid = new_aid();
        pr->cur_aid = ev->aid;
        pr->aid_left = (unsigned)rng_range(&erng, 1, 6);
    } else if (pr->aid_left) {
        ev->aid = pr->cur_aid;
        pr->aid_left--;
    } else {
        ev->aid = 0;
    }
    if (t->sub_ops.n) {
        ev->sub = subbuf;
        ev->sub_len = gen_ops(&t->sub_ops, subbuf, &g);
    } else {
        ev->sub = t->type == T_ACTIVITY ? NULL : t->def->sub;
        ev->sub_len = ev->sub ? strlen(ev->sub) : 0;
    }
    ev->cat = ev->sub ? t->def->cat : NULL;
    ev->cat_len = ev->cat ? strlen(ev->cat) : 0;
    ev->msg = msgbuf;
    ev->msg_len = gen_ops(&t->ops, msgbuf, &g);
    ev->fmt_json = t->fmt_json;
    ev->fmt_json_len = t->fmt_json_len;
    ev->pc = t->pc;
    ev->trace_id = new_trace_id();
}

/* One background event of process pr (or, now and then, a multi-line
 * one of any process). */
static void make_noise(struct event *ev, struct proc *pr, uint64_t tid)
{
    if (n_multi && rng_chance(&erng, multi_ppm)) {
        const struct tmpl *t = multi_tm[rng_below(&erng, n_multi)];
        make_event(ev, t, t->pr->tids[rng_below(&erng, t->pr->ntids)]);
        return;
    }
    uint64_t r = rng_below(&erng, pr->tm_cum[pr->ntm - 1]);
    unsigned i = 0;
    while (pr->tm_cum[i] <= r)
        i++;
    make_event(ev, pr->tm[i], tid);
}

/* ---------------------------------------------------------------------
 * Writers, one per style
 * ------------------------------------------------------------------- */

enum style { S_DEFAULT, S_COMPACT, S_SYSLOG, S_JSON, S_NDJSON };

static struct {
    enum style style;
    bool ttl;      /* default style: TTL column */
    bool preamble; /* Filtering / Skipping lines */
    int trailer;   /* -1 style's default, 0 off, 1 on */
    const char *predicate;
    uint64_t nevents;           /* records written */
    uint64_t counts[T__COUNT];  /* by type, for the trailer */
} cfg = {.ttl = true, .trailer = -1};

static const char zero_uuid[] = "00000000-0000-0000-0000-000000000000";

static inline char *put_mem(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

/* Left-justified in width, then one space (one space when longer). */
static inline char *put_field(char *p, const char *s, size_t n, size_t width)
{
    memcpy(p, s, n);
    p += n;
    size_t pad = n < width ? width - n : 0;
    memset(p, ' ', pad + 1);
    return p + pad + 1;
}

static inline char *put_field_hex(char *p, uint64_t v, size_t width)
{
    char tmp[20] = {'0', 'x'};
    size_t n = 2 + fmt_hex(tmp + 2, v);
    return put_field(p, tmp, n, width);
}

static inline char *put_field_dec(char *p, uint64_t v, size_t width)
{
    char tmp[20];
    size_t n = fmt_u64(tmp, v);
    return put_field(p, tmp, n, width);
}

static size_t body_room(const struct event *ev)
{
    return 256 + (ev->pr ? ev->pr->img->name_len : 0) +
           (ev->snd ? ev->snd->name_len : 0) +
           ev->sub_len + ev->cat_len + ev->msg_len;
}

/* "(SENDER) [SUB:CAT] MESSAGE" and the newline (section 3). */
static inline char *put_body(char *p, const struct event *ev)
{
    if (ev->pr && ev->snd != ev->pr->img) {
        *p++ = '(';
        p = put_mem(p, ev->snd->name, ev->snd->name_len);
        *p++ = ')';
        *p++ = ' ';
    }
    if (ev->sub && ev->type != T_ACTIVITY) {
        *p++ = '[';
        p = put_mem(p, ev->sub, ev->sub_len);
        *p++ = ':';
        p = put_mem(p, ev->cat, ev->cat_len);
        *p++ = ']';
        *p++ = ' ';
    }
    p = put_mem(p, ev->msg, ev->msg_len);
    *p++ = '\n';
    return p;
}

static inline void out_commit(char *start, char *end)
{
    size_t n = (size_t)(end - start);
    out.len += n;
    out.total += n;
}

static void w_default(const struct event *ev)
{
    char *p0 = out_reserve(body_room(ev)), *p = p0;
    fmt_ts_us(p, ev->t);
    p[31] = ' ';
    p += 32;
    p = put_field_hex(p, ev->tid, 10);
    const char *ty = type_names[ev->type].col;
    p = put_field(p, ty, strlen(ty), 11);
    p = put_field_hex(p, ev->aid, 20);
    p = put_field_dec(p, ev->pid, 6);
    if (cfg.ttl)
        p = put_field_dec(p, ev->ttl, 4);
    if (ev->type == T_TIMESYNC) {
        p = put_mem(p, ev->msg, ev->msg_len);
        *p++ = '\n';
    } else {
        p = put_mem(p, ev->pr->img->name, ev->pr->img->name_len);
        *p++ = ':';
        *p++ = ' ';
        p = put_body(p, ev);
    }
    out_commit(p0, p);
}

/* How compact and syslog print Timesync records is unverified
 * (log-formats.md section 14): they leave them out. */
static void w_compact(const struct event *ev)
{
    if (ev->type == T_TIMESYNC)
        return;
    char *p0 = out_reserve(body_room(ev)), *p = p0;
    fmt_ts_ms(p, ev->t);
    p[23] = ' ';
    p[24] = type_names[ev->type].code[0];
    p[25] = type_names[ev->type].code[1];
    p[26] = ' ';
    p += 27;
    p = put_mem(p, ev->pr->img->name, ev->pr->img->name_len);
    *p++ = '[';
    p += fmt_u64(p, ev->pid);
    *p++ = ':';
    p += fmt_hex(p, ev->tid);
    *p++ = ']';
    *p++ = ' ';
    p = put_body(p, ev);
    out_commit(p0, p);
}

static void w_syslog(const struct event *ev)
{
    if (ev->type == T_TIMESYNC)
        return;
    char *p0 = out_reserve(body_room(ev)), *p = p0;
    fmt_ts_us(p, ev->t);
    p = put_mem(p + 31, "  localhost ", 12);
    p = put_mem(p, ev->pr->img->name, ev->pr->img->name_len);
    *p++ = '[';
    p += fmt_u64(p, ev->pid);
    p = put_mem(p, "]: ", 3);
    if (ev->type == T_ACTIVITY) {
        if (ev->snd != ev->pr->img) {
            *p++ = '(';
            p = put_mem(p, ev->snd->name, ev->snd->name_len);
            *p++ = ')';
            *p++ = ' ';
        }
        p = put_mem(p, "Created Activity ID: 0x", 23);
        p += fmt_hex(p, ev->aid);
        p = put_mem(p, ", Description: ", 15);
        p = put_mem(p, ev->msg, ev->msg_len);
        *p++ = '\n';
    } else {
        p = put_body(p, ev);
    }
    out_commit(p0, p);
}

/* JSON: the key order of a 2025 capture (log-formats.md S18). */
static bool jpretty;
static bool jfirst_key;

static void jkey(const char *k, size_t n)
{
    if (jpretty) {
        if (!jfirst_key)
            OUT_LIT(",\n");
        out_spaces(2);
        out_ch('"');
        out_mem(k, n);
        OUT_LIT("\" : ");
    } else {
        if (!jfirst_key)
            out_ch(',');
        out_ch('"');
        out_mem(k, n);
        OUT_LIT("\":");
    }
    jfirst_key = false;
}

#define JKEY(k) jkey(k, sizeof(k) - 1)

/* A value that is already escaped. */
static void jraw_str(const char *s, size_t n)
{
    out_ch('"');
    out_mem(s, n);
    out_ch('"');
}

static void w_json(const struct event *ev)
{
    bool ts = ev->type == T_TIMESYNC;
    if (jpretty)
        out_str(cfg.nevents ? "},{\n" : "[{\n");
    else
        out_ch('{');
    jfirst_key = true;
    JKEY("timezoneName");
    OUT_LIT("\"\"");
    if (ev->type < T_ACTIVITY) {
        JKEY("messageType");
        out_ch('"');
        out_str(type_names[ev->type].msgtype);
        out_ch('"');
    }
    JKEY("eventType");
    out_ch('"');
    out_str(type_names[ev->type].evtype);
    out_ch('"');
    JKEY("source");
    OUT_LIT("null");
    JKEY("formatString");
    jraw_str(ev->fmt_json, ev->fmt_json_len);
    JKEY("userID");
    out_u64(ev->uid);
    JKEY("activityIdentifier");
    out_u64(ev->aid);
    JKEY("subsystem");
    out_json_str(ev->sub ? ev->sub : "", ev->sub_len);
    JKEY("category");
    out_json_str(ev->cat ? ev->cat : "", ev->cat_len);
    JKEY("threadID");
    out_u64(ev->tid);
    JKEY("senderImageUUID");
    jraw_str(ts ? zero_uuid : ev->snd->uuid, 36);
    if (!ts) {
        JKEY("backtrace");
        if (jpretty) {
            OUT_LIT("{\n    \"frames\" : [\n      {\n        \"imageOffset\" : ");
            out_u64(ev->pc);
            OUT_LIT(",\n        \"imageUUID\" : \"");
            out_mem(ev->snd->uuid, 36);
            OUT_LIT("\"\n      }\n    ]\n  }");
        } else {
            OUT_LIT("{\"frames\":[{\"imageOffset\":");
            out_u64(ev->pc);
            OUT_LIT(",\"imageUUID\":\"");
            out_mem(ev->snd->uuid, 36);
            OUT_LIT("\"}]}");
        }
    }
    JKEY("bootUUID");
    jraw_str(world.boot_uuid, 36);
    JKEY("processImagePath");
    if (ts)
        OUT_LIT("\"\"");
    else
        jraw_str(ev->pr->img->path_json, ev->pr->img->path_json_len);
    JKEY("senderImagePath");
    if (ts)
        OUT_LIT("\"\"");
    else
        jraw_str(ev->snd->path_json, ev->snd->path_json_len);
    JKEY("timestamp");
    {
        char *p = out_reserve(33);
        p[0] = '"';
        fmt_ts_us(p + 1, ev->t);
        p[32] = '"';
        out.len += 33;
        out.total += 33;
    }
    JKEY("machTimestamp");
    out_u64((ev->t - world.boot_t) * 24 + (ev->trace_id & 15));
    JKEY("eventMessage");
    out_json_str(ev->msg, ev->msg_len);
    JKEY("processImageUUID");
    jraw_str(ts ? zero_uuid : ev->pr->img->uuid, 36);
    JKEY("traceID");
    out_u64(ev->trace_id);
    JKEY("processID");
    out_u64(ev->pid);
    JKEY("senderProgramCounter");
    out_u64(ts ? 0 : ev->pc);
    JKEY("parentActivityIdentifier");
    out_u64(ev->parent_aid);
    if (jpretty)
        out_ch('\n');
    else
        OUT_LIT("}\n");
}

static void write_event(const struct event *ev)
{
    switch (cfg.style) {
    case S_DEFAULT: w_default(ev); break;
    case S_COMPACT: w_compact(ev); break;
    case S_SYSLOG: w_syslog(ev); break;
    case S_JSON:
    case S_NDJSON: w_json(ev); break;
    }
    if (ev->type == T_TIMESYNC &&
        (cfg.style == S_COMPACT || cfg.style == S_SYSLOG))
        return;
    cfg.nevents++;
    cfg.counts[ev->type]++;
    out_maybe_flush();
}

/* ---------------------------------------------------------------------
 * Preamble, header, trailer
 * ------------------------------------------------------------------- */

#define DEFAULT_PREDICATE "type == 1024 OR type == 513 OR type == 1280"

static void write_start(void)
{
    if (cfg.preamble) {
        OUT_LIT("Filtering the log data using \"");
        out_str(cfg.predicate ? cfg.predicate : DEFAULT_PREDICATE);
        OUT_LIT("\"\n");
        if (!world.info && !world.debug)
            OUT_LIT("Skipping info and debug messages, pass --info and/or "
                    "--debug to include.\n");
        else if (world.info && !world.debug)
            OUT_LIT("Skipping debug messages, pass --debug to include.\n");
        /* --debug without --info: the wording is unverified; none. */
    }
    switch (cfg.style) {
    case S_DEFAULT:
        if (cfg.ttl)
            OUT_LIT("Timestamp                       Thread     Type        "
                    "Activity             PID    TTL  \n");
        else
            OUT_LIT("Timestamp                       Thread     Type        "
                    "Activity             PID    \n");
        break;
    case S_COMPACT:
        OUT_LIT("Timestamp               Ty Process[PID:TID]\n");
        break;
    case S_SYSLOG:
        OUT_LIT("Timestamp                       (process)[PID]\n");
        break;
    case S_JSON:
    case S_NDJSON:
        break;
    }
}

static void write_end(void)
{
    char line[256];
    bool text = cfg.style <= S_SYSLOG;
    bool trailer = cfg.trailer < 0 ? cfg.style == S_DEFAULT : cfg.trailer;
    if (text && trailer) {
        char dashes[117];
        memset(dashes, '-', 116);
        dashes[116] = '\n';
        out_mem(dashes, 117);
        int n = snprintf(line, sizeof line,
                         "Log      - Default: %10llu, Info: %16llu, Debug: %13llu, "
                         "Error: %10llu, Fault: %10llu\n",
                         (unsigned long long)cfg.counts[T_DEFAULT],
                         (unsigned long long)cfg.counts[T_INFO],
                         (unsigned long long)cfg.counts[T_DEBUG],
                         (unsigned long long)cfg.counts[T_ERROR],
                         (unsigned long long)cfg.counts[T_FAULT]);
        out_mem(line, (size_t)n);
        n = snprintf(line, sizeof line,
                     "Activity - Create: %11llu, Transition: %10llu, Actions: %11llu\n",
                     (unsigned long long)cfg.counts[T_ACTIVITY], 0ULL, 0ULL);
        out_mem(line, (size_t)n);
    }
    if (cfg.style == S_JSON) {
        if (cfg.nevents)
            OUT_LIT("}]\n");
        else
            OUT_LIT("[]\n");
    }
    if (cfg.style == S_NDJSON) {
        OUT_LIT("{\"count\":");
        out_u64(cfg.nevents);
        OUT_LIT(",\"finished\":1}\n");
    }
    out_flush();
}

/* ---------------------------------------------------------------------
 * Pending incident events, merged into the stream by time
 * ------------------------------------------------------------------- */

struct pend {
    struct event ev;
    char *msg;  /* owned */
    char *fmt;  /* owned, JSON-escaped */
    uint64_t seq;
};

static struct pend *pend;
static size_t npend, pend_cap;
static uint64_t pend_seq;
static uint64_t sec_planned; /* incident events queued so far */

static void pend_add(const struct event *ev, const char *msg, size_t msg_len,
                     const char *fmt)
{
    if (npend == pend_cap) {
        pend_cap = pend_cap ? 2 * pend_cap : 64;
        pend = xrealloc(pend, pend_cap * sizeof *pend);
    }
    size_t i = npend;
    while (i > 0 && pend[i - 1].ev.t > ev->t) /* stable insertion */
        i--;
    memmove(&pend[i + 1], &pend[i], (npend - i) * sizeof *pend);
    struct pend *pe = &pend[i];
    pe->ev = *ev;
    pe->msg = xstrndup(msg, msg_len);
    pe->ev.msg = pe->msg;
    pe->ev.msg_len = msg_len;
    size_t fl;
    pe->fmt = json_dup(fmt, strlen(fmt), &fl);
    pe->ev.fmt_json = pe->fmt;
    pe->ev.fmt_json_len = fl;
    pe->seq = pend_seq++;
    npend++;
    sec_planned++;
}

/* Write every pending event with a time <= t. */
static void pend_flush_until(uint64_t t)
{
    size_t k = 0;
    while (k < npend && pend[k].ev.t <= t) {
        write_event(&pend[k].ev);
        free(pend[k].msg);
        free(pend[k].fmt);
        k++;
    }
    if (k) {
        memmove(pend, pend + k, (npend - k) * sizeof *pend);
        npend -= k;
    }
}

/* ---------------------------------------------------------------------
 * Manifest: one line per planted incident
 * ------------------------------------------------------------------- */

static FILE *manifest;
static uint64_t n_incidents;

/* Manifest line: time of the incident's first event, kind, then
 * TAB-separated key=value pairs (kv is already formatted), and the
 * number of events the incident wrote. */
static void manifest_line(uint64_t t, const char *kind, const char *kv,
                          unsigned nev)
{
    n_incidents++;
    if (!manifest)
        return;
    char ts[32];
    fmt_ts_us(ts, t);
    ts[31] = '\0';
    fprintf(manifest, "%s\t%s\t%s\tevents=%u\n", ts, kind, kv, nev);
}

/* ---------------------------------------------------------------------
 * Security incidents (docs/events.md), queued as pending events
 * ------------------------------------------------------------------- */

/* Where a line comes from: sender (NULL = the process), subsystem,
 * category (NULL subsystem = no brackets). */
struct chan {
    const char *snd, *sub, *cat;
};

static const struct chan CH_SEC_CERT = {SND_SECURITY, "com.apple.securityd", "cert"};
static const struct chan CH_SEC_TRUST = {SND_SECURITY, "com.apple.securityd", "trust"};
static const struct chan CH_SEC_NOTARY = {SND_SECURITY, "com.apple.securityd", "notarization"};
static const struct chan CH_SEC_STATIC = {SND_SECURITY, "com.apple.securityd", "staticCode"};
static const struct chan CH_SEC_EXC = {SND_SECURITY, "com.apple.securityd", "security_exception"};
static const struct chan CH_GK = {NULL, "com.apple.syspolicy.exec", "default"};
static const struct chan CH_SP = {NULL, "com.apple.syspolicy", "default"};
static const struct chan CH_AMFI = {SND_AMFI, NULL, NULL};
static const struct chan CH_ASP = {SND_ASP, NULL, NULL};
static const struct chan CH_QTN = {KEXT("Quarantine"), NULL, NULL};
static const struct chan CH_KERN = {NULL, NULL, NULL};
static const struct chan CH_AMFID = {NULL, NULL, NULL};
static const struct chan CH_XP = {NULL, "com.apple.xprotect", "xprotect"};
static const struct chan CH_BSI = {NULL, "com.apple.securityimprovements", "default"};
static const struct chan CH_RB = {NULL, "com.apple.runningboard", "process"};

/* Who logs: a process, its pid and one of its threads. */
struct who {
    struct proc *pr;
    uint32_t pid;
    uint64_t tid;
};

struct inc {
    uint64_t t0;    /* incident start */
    uint64_t first; /* earliest queued event */
    unsigned nev;
};

static struct who who_of(struct proc *pr)
{
    struct who w = {pr, pr->pid, pr->tids[rng_below(&erng, pr->ntids)]};
    return w;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* Queue one incident line at t0 + dt (µs). fmt is the formatString the
 * JSON styles show; the message is built with printf-style msgfmt. */
#if defined(__GNUC__)
__attribute__((format(printf, 7, 8)))
#endif
static void sec(struct inc *in, uint64_t dt, enum ev_type type,
                const struct who *w, const struct chan *ch, const char *fmt,
                const char *msgfmt, ...)
{
    if (!type_enabled(type))
        return;
    char msg[8192];
    va_list ap;
    va_start(ap, msgfmt);
    int n = vsnprintf(msg, sizeof msg, msgfmt, ap);
    va_end(ap);
    if (n < 0)
        die("internal: bad message format");
    if ((size_t)n >= sizeof msg)
        n = (int)sizeof msg - 1;
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.t = in->t0 + dt;
    ev.type = type;
    ev.pr = w->pr;
    ev.snd = ch->snd ? image_get(ch->snd) : w->pr->img;
    ev.pid = w->pid;
    ev.uid = w->pr->uid;
    ev.tid = w->tid;
    ev.sub = ch->sub;
    ev.sub_len = ch->sub ? strlen(ch->sub) : 0;
    ev.cat = ch->cat;
    ev.cat_len = ch->cat ? strlen(ch->cat) : 0;
    ev.pc = 0x1000 + fnv(fmt) % 0x2ff000;
    ev.trace_id = new_trace_id();
    char kfmt[512];
    if (w->pr->pid == 0) { /* kernel printf formats end in a newline */
        snprintf(kfmt, sizeof kfmt, "%s\n", fmt);
        fmt = kfmt;
    }
    pend_add(&ev, msg, (size_t)n, fmt);
    if (in->nev == 0 || ev.t < in->first)
        in->first = ev.t;
    in->nev++;
}

/* Applications used by the incidents: fixed per run, so that repeated
 * launches of one app give the same path hash, team and CDHashes. */
struct app {
    const char *name;
    char path[512];   /* main executable */
    char bundle[256]; /* the .app directory, or the tool itself */
    char bundle_id[96];
    char team[11];
    char hash[17];  /* PST path hash */
    char cd[2][41]; /* CDHashes */
    unsigned ncd;
};

enum pool { P_APPSTORE, P_NOTARIZED, P_UNSIGNED, P_ADHOC, P_GKREJECT,
            P_MALWARE, P__COUNT };

static const char *const pool_names[P__COUNT][12] = {
    [P_APPSTORE] = {"Harbor Notes", "PixelForge", "Tidewater", "Quillpad",
                    "Lumen Calc", "Orbit FTP", "Marble Tasks", "Kestrel Reader",
                    "Fathom Maps", "Cinder Audio", "Juniper Mail", "Slate Sketch"},
    [P_NOTARIZED] = {"Beacon Sync", "Driftwood", "Nimbus Capture",
                     "Otter Transfer", "Parcel Tracker", "Quartz Terminal"},
    [P_UNSIGNED] = {"fetchtool", "mkbundle", "netprobe", "dbsync", "imgconv"},
    [P_ADHOC] = {"Hobby Synth", "Retro Emu", "Lab Scope"},
    [P_GKREJECT] = {"Free Video Converter", "Torrent Buddy", "Mac Cleaner Plus"},
    [P_MALWARE] = {"Flash Player Update", "PDFCreator Pro", "Installer"},
};

static struct app *pools[P__COUNT];
static unsigned pool_len[P__COUNT];

static void rand_team(char *p)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < 10; i++)
        p[i] = al[rng_below(&wrng, 36)];
    p[10] = '\0';
}

static void apps_init(void)
{
    for (int k = 0; k < P__COUNT; k++) {
        unsigned n = 0;
        while (n < 12 && pool_names[k][n])
            n++;
        pools[k] = calloc(n, sizeof(struct app));
        if (!pools[k])
            die("out of memory");
        pool_len[k] = n;
        for (unsigned i = 0; i < n; i++) {
            struct app *a = &pools[k][i];
            const char *nm = pool_names[k][i];
            a->name = nm;
            char slug[64];
            size_t sl = 0;
            for (const char *s = nm; *s && sl < sizeof slug - 1; s++)
                if (*s != ' ')
                    slug[sl++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
            slug[sl] = '\0';
            snprintf(a->bundle_id, sizeof a->bundle_id, "com.%s.mac", slug);
            switch (k) {
            case P_APPSTORE:
                snprintf(a->bundle, sizeof a->bundle, "/Applications/%s.app", nm);
                break;
            case P_UNSIGNED:
                snprintf(a->bundle, sizeof a->bundle, "%s/%s",
                         i % 2 ? "/usr/local/bin" : "/Users/alice/Downloads", nm);
                break;
            default:
                snprintf(a->bundle, sizeof a->bundle,
                         "/Users/alice/Downloads/%s.app", nm);
                break;
            }
            if (k == P_UNSIGNED)
                snprintf(a->path, sizeof a->path, "%s", a->bundle);
            else
                snprintf(a->path, sizeof a->path, "%s/Contents/MacOS/%s",
                         a->bundle, nm);
            if (k == P_UNSIGNED || k == P_ADHOC || k == P_GKREJECT)
                strcpy(a->team, "(null)");
            else
                rand_team(a->team);
            rand_hex(&wrng, a->hash, 16, false);
            a->hash[16] = '\0';
            a->ncd = k == P_APPSTORE ? 2 : 1;
            for (unsigned c = 0; c < a->ncd; c++) {
                rand_hex(&wrng, a->cd[c], 40, false);
                a->cd[c][40] = '\0';
            }
        }
    }
}

/* PST as syspolicyd prints it. */
static const char *pst(char *buf, size_t n, const struct app *a, bool ids)
{
    snprintf(buf, n, "(path: %s), (team: %s), (id: %s), (bundle_id: %s)",
             a->hash, a->team, ids ? a->bundle_id : "(null)",
             ids ? a->bundle_id : "(null)");
    return buf;
}

/* "YYYY-MM-DD HH:MM:SS" in UTC of local time t (what XPScan prints). */
static void utc_date(char *buf, uint64_t t)
{
    int64_t off = (int64_t)tcache.tz_min * 60 * 1000000;
    fmt_ts_us(buf, (uint64_t)((int64_t)t - off));
    buf[19] = '\0';
}

/* file:// URL of a path, with spaces percent-encoded. */
static void file_url(char *buf, size_t n, const char *path)
{
    size_t k = (size_t)snprintf(buf, n, "file://");
    for (const char *p = path; *p && k + 4 < n; p++) {
        if (*p == ' ') {
            memcpy(buf + k, "%20", 3);
            k += 3;
        } else {
            buf[k++] = *p;
        }
    }
    buf[k] = '\0';
}

static const char TICKET_URL[] =
    "https://api.apple-cloudkit.com/database/1/com.apple.gk.ticket-delivery/"
    "production/public/records/lookup";

static struct proc *P_SYSPOLICYD, *P_TCCD, *P_KERNEL, *P_AMFID,
    *P_RUNNINGBOARDD, *P_XPROTECT, *P_BSI;

/* A running app as runningboardd sees it. */
static void app_role(struct inc *in, uint64_t dt, const struct app *a,
                     uint32_t pid)
{
    struct who rb = who_of(P_RUNNINGBOARDD);
    unsigned n1 = (unsigned)rng_range(&erng, 1000000, 9999999);
    unsigned n2 = (unsigned)rng_range(&erng, 1000000, 9999999);
    sec(in, dt, T_DEFAULT, &rb, &CH_RB,
        "[%{public}@:%d] Set darwin role to: %{public}@",
        "[app<application.%s.%u.%u>:%u] Set darwin role to: UserInteractiveFocal",
        a->bundle_id, n1, n2, pid);
}

/* Security's certificate checks and the trust failure, inside process
 * w (syspolicyd, tccd, ...). */
static uint64_t trust_fail(struct inc *in, uint64_t dt, const struct who *w,
                           bool leaf_only)
{
    sec(in, dt, T_DEFAULT, w, &CH_SEC_CERT,
        "cert[%d]: %{public}@ =(%{public}@)[%{public}@]> %d",
        "cert[0]: TemporalValidity =(leaf)[]> 0");
    dt += rng_range(&erng, 30, 60);
    if (!leaf_only) {
        sec(in, dt, T_DEFAULT, w, &CH_SEC_CERT,
            "cert[%d]: %{public}@ =(%{public}@)[%{public}@]> %d",
            "cert[1]: TemporalValidity =(leaf)[]> 0");
    }
    dt += rng_range(&erng, 1400, 1800);
    sec(in, dt, T_DEFAULT, w, &CH_SEC_TRUST, "Trust evaluate failure: %{public}@",
        leaf_only ? "Trust evaluate failure: [leaf TemporalValidity]"
                  : "Trust evaluate failure: [leaf TemporalValidity] [ca1 TemporalValidity]");
    return dt;
}

enum kind { K_EXPIRED, K_NOTARIZED, K_UNSIGNED, K_ADHOC, K_GKREJECT,
            K_MALWARE, K_BSI_INSTALL, K_BSI_ROLLBACK, K_BSI_INSTALL_FAIL,
            K__COUNT };

static const char *const kind_names[K__COUNT] = {
    "expired-cert-migration", "notarized-first-launch", "amfi-unsigned-kill",
    "amfi-adhoc-rejected", "gatekeeper-rejection", "xprotect-malware",
    "bsi-install", "bsi-rollback-failed", "bsi-install-failed",
};

/* Weights of the kinds in random mode (per mille). */
static const unsigned kind_weight[K__COUNT] = {300, 180, 100, 100, 100, 80, 60, 60, 20};

static const char BSI_VERSION[] = "macOS 26.3.1 (a)";

static void inc_expired(struct inc *in, const struct app *a, bool leaf_only)
{
    char ps[512], kv[1024];
    pst(ps, sizeof ps, a, false);
    struct who gk = who_of(P_SYSPOLICYD), tk = who_of(P_SYSPOLICYD);
    uint64_t dt = trust_fail(in, 0, &gk, leaf_only);
    dt += rng_range(&erng, 12000, 18000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK evaluateScanResult: %lld, PST: %{public}@, %d, %d, %d, %d, %lld, %d, %d",
        "GK evaluateScanResult: 2, PST: %s, 0, 0, 1, 0, 9, 0, 0", ps);
    dt += rng_range(&erng, 10, 25);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "Allowing evaluation due to migration: PST: %{public}@",
        "Allowing evaluation due to migration: PST: %s", ps);
    dt += rng_range(&erng, 3, 9);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "Updating flags: %{private}@, %llu",
        "Updating flags: [private], 513");
    uint64_t tdt = dt;
    for (unsigned c = 0; c < a->ncd; c++) {
        tdt += rng_range(&erng, 600, 1500);
        sec(in, tdt, T_DEFAULT, &tk, &CH_SP, "looking up ticket: %{public}@, %d, %d",
            "looking up ticket: %s, 2, 0", a->cd[c]);
        tdt += rng_range(&erng, 300, 700);
        sec(in, tdt, T_DEFAULT, &tk, &CH_SP,
            "cloudkit record fetch: %{public}@, %{public}@",
            "cloudkit record fetch: %s, 2/2/%s", TICKET_URL, a->cd[c]);
        sec(in, tdt + rng_range(&erng, 40000, 350000), T_INFO, &tk, &CH_SP,
            "ticket not available: %{public}@", "ticket not available: 2/2/%s",
            a->cd[c]);
    }
    /* TCC evaluates the same certificates again, once or twice. */
    struct who tcc = who_of(P_TCCD);
    uint64_t cdt = dt + rng_range(&erng, 200000, 700000);
    unsigned reps = (unsigned)rng_range(&erng, 1, 2);
    for (unsigned r = 0; r < reps; r++) {
        cdt = trust_fail(in, cdt, &tcc, leaf_only);
        cdt += rng_range(&erng, 2000, 90000);
    }
    uint32_t pid = new_pid();
    app_role(in, cdt + rng_range(&erng, 100000, 400000), a, pid);
    snprintf(kv, sizeof kv,
             "app=%s\tpath=%s\tpath_hash=%s\tteam_id=%s\tcdhash=%s%s%s\t"
             "process=syspolicyd\tpid=%u\ttid=0x%llx\tchecks=%s\ttccd_pid=%u\tapp_pid=%u",
             a->name, a->path, a->hash, a->team, a->cd[0], a->ncd > 1 ? "," : "",
             a->ncd > 1 ? a->cd[1] : "", gk.pid, (unsigned long long)gk.tid,
             leaf_only ? "leaf" : "leaf,ca1", tcc.pid, pid);
    manifest_line(in->first, kind_names[K_EXPIRED], kv, in->nev);
}

static void inc_notarized(struct inc *in, const struct app *a)
{
    char ps[512], kv[1024];
    pst(ps, sizeof ps, a, true);
    struct who gk = who_of(P_SYSPOLICYD), tk = who_of(P_SYSPOLICYD);
    struct who kern = who_of(P_KERNEL);
    char qid[37];
    rand_uuid(&erng, qid);
    uint64_t dt = 0;
    sec(in, dt, T_DEFAULT, &kern, &CH_QTN,
        "Quarantine: '%s' has quarantine flags %04x, agent %s, event %s",
        "Quarantine: '%s' has quarantine flags 0083, agent Safari, event %s",
        a->bundle, qid);
    dt += rng_range(&erng, 2000, 9000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK process assessment: %{public}@ <-- (%{public}@, %{public}@)",
        "GK process assessment: %s <-- (/sbin/launchd, %s)", a->path, a->path);
    dt += rng_range(&erng, 200, 500);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK performScan: PST: %{public}@",
        "GK performScan: PST: %s", ps);
    dt += rng_range(&erng, 1500, 3000);
    sec(in, dt, T_DEFAULT, &gk, &CH_SEC_NOTARY,
        "checking with online notarization service for hash %{public}@",
        "checking with online notarization service for hash %s", a->cd[0]);
    dt += rng_range(&erng, 100, 400);
    sec(in, dt, T_DEFAULT, &tk, &CH_SP, "looking up ticket: %{public}@, %d, %d",
        "looking up ticket: %s, 2, 0", a->cd[0]);
    dt += rng_range(&erng, 200, 600);
    char when[32];
    fmt_ts_us(when, in->t0 + dt);
    when[19] = '\0';
    sec(in, dt, T_DEFAULT, &tk, &CH_SP,
        "CKTicketStore network reachability: %d, %{public}@",
        "CKTicketStore network reachability: 1, %s %s", when, tcache.tz);
    dt += rng_range(&erng, 100, 300);
    sec(in, dt, T_DEFAULT, &tk, &CH_SP,
        "cloudkit record fetch: %{public}@, %{public}@",
        "cloudkit record fetch: %s, 2/2/%s", TICKET_URL, a->cd[0]);
    dt += rng_range(&erng, 80000, 300000);
    sec(in, dt, T_DEFAULT, &gk, &CH_SEC_NOTARY, "isNotarized = %d", "isNotarized = 1");
    struct who xp = who_of(P_XPROTECT);
    xp.pid = new_pid();
    dt += rng_range(&erng, 20000, 90000);
    sec(in, dt, T_DEFAULT, &xp, &CH_XP, "Using meta-plist from: %{public}@",
        "Using meta-plist from: /Library/Apple/System/Library/CoreServices/"
        "XProtect.bundle/Contents/Resources/XProtect.meta.plist");
    dt += rng_range(&erng, 200000, 900000);
    utc_date(when, in->t0 + dt);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK Xprotect results: PST: %{public}@, %{public}@",
        "GK Xprotect results: PST: %s, XPScan: 0,%lld,%s +0000,(null)", ps,
        -(long long)(rng_next(&erng) >> 2), when);
    dt += rng_range(&erng, 100, 400);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK scan complete: PST: %{public}@, %d, %d",
        "GK scan complete: PST: %s, 8, 0", ps);
    dt += rng_range(&erng, 50, 200);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK evaluateScanResult: %lld, PST: %{public}@, %d, %d, %d, %d, %lld, %d, %d",
        "GK evaluateScanResult: 0, PST: %s, 1, 1, 0, 0, 9, 0, 0", ps);
    dt += rng_range(&erng, 100, 400);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "App gets first launch prompt because responsibility: %{public}@, %{public}@",
        "App gets first launch prompt because responsibility: %s, %s", a->bundle,
        a->bundle);
    dt += rng_range(&erng, 1000, 5000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "Prompt shown (%lld, %lld), waiting for response: PST: %{public}@",
        "Prompt shown (1, 0), waiting for response: PST: %s", ps);
    dt += rng_range(&erng, 2000000, 7000000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK eval - was allowed: %d, show prompt: %d",
        "GK eval - was allowed: 1, show prompt: 1");
    dt += rng_range(&erng, 5, 20);
    bool priv = rng_chance(&erng, 400000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "Updating flags: %{public}@, %llu",
        "Updating flags: %s, 512", priv ? "<private>" : a->bundle);
    uint32_t pid = new_pid();
    app_role(in, dt + rng_range(&erng, 200000, 600000), a, pid);
    snprintf(kv, sizeof kv,
             "app=%s\tpath=%s\tpath_hash=%s\tteam_id=%s\tbundle_id=%s\tcdhash=%s\t"
             "process=syspolicyd\tpid=%u\ttid=0x%llx\tallowed=1\tprompt=1\tapp_pid=%u",
             a->name, a->path, a->hash, a->team, a->bundle_id, a->cd[0], gk.pid,
             (unsigned long long)gk.tid, pid);
    manifest_line(in->first, kind_names[K_NOTARIZED], kv, in->nev);
}

static void inc_unsigned(struct inc *in, const struct app *a)
{
    char kv[1024];
    struct who k = who_of(P_KERNEL);
    uint32_t pid = new_pid();
    uint64_t dt = 0;
    sec(in, dt, T_DEFAULT, &k, &CH_AMFI, "AMFI: '%s' has no CMS blob?",
        "AMFI: '%s' has no CMS blob?", a->path);
    dt += rng_range(&erng, 20, 60);
    sec(in, dt, T_DEFAULT, &k, &CH_AMFI,
        "AMFI: '%s': Unrecoverable CT signature issue, bailing out.",
        "AMFI: '%s': Unrecoverable CT signature issue, bailing out.", a->path);
    dt += rng_range(&erng, 20, 80);
    sec(in, dt, T_DEFAULT, &k, &CH_AMFI, "AMFI: hook..execve() killing %s (pid %u): %s",
        "AMFI: hook..execve() killing %s (pid %u): Attempt to execute completely "
        "unsigned code (must be at least ad-hoc signed).", a->name, pid);
    dt += rng_range(&erng, 20, 80);
    sec(in, dt, T_DEFAULT, &k, &CH_KERN,
        "proc %d: load code signature error %d for file \"%s\"",
        "proc %u: load code signature error 2 for file \"%s\"", pid, a->name);
    snprintf(kv, sizeof kv, "path=%s\tprocess=%s\tpid=%u", a->path, a->name, pid);
    manifest_line(in->first, kind_names[K_UNSIGNED], kv, in->nev);
}

static void inc_adhoc(struct inc *in, const struct app *a)
{
    char kv[1024];
    struct who k = who_of(P_KERNEL), am = who_of(P_AMFID);
    uint32_t pid = new_pid();
    uint64_t dt = 0;
    const char *desc = "The file is adhoc signed or signed by an unknown certificate chain";
    char url[600];
    file_url(url, sizeof url, a->bundle);
    sec(in, dt, T_DEFAULT, &k, &CH_AMFI, "AMFI: '%s' is adhoc signed.",
        "AMFI: '%s' is adhoc signed.", a->path);
    dt += rng_range(&erng, 400, 900);
    sec(in, dt, T_ERROR, &am, &CH_AMFID, "%{public}@ not valid: %@",
        "%s not valid: Error Domain=AppleMobileFileIntegrityError Code=-423 \"%s\" "
        "UserInfo={NSURL=%s/, NSLocalizedDescription=%s, "
        "NSUnderlyingError=0x6000%08llx {Error Domain=NSOSStatusErrorDomain "
        "Code=-67050 \"(null)\" UserInfo={SecCSArchitecture=arm64, "
        "SecCSDetailsKey=(\n    \"anchor apple generic\",\n    "
        "\"identifier \\\"%s\\\"\"\n)}}}",
        a->path, desc, url, desc,
        (unsigned long long)(rng_next(&erng) & 0xffffffffULL), a->bundle_id);
    dt += rng_range(&erng, 50, 150);
    sec(in, dt, T_ERROR, &am, &CH_AMFID,
        "Requirements for restricted entitlements failed to validate, error %d, "
        "requirements: '%{public}@', error: %@",
        "Requirements for restricted entitlements failed to validate, error -67050, "
        "requirements: 'anchor apple generic and certificate leaf[field.1.2.840.113635.100.6.1.9] exists', "
        "error: (null)");
    dt += rng_range(&erng, 20, 60);
    sec(in, dt, T_ERROR, &am, &CH_AMFID, "Restricted entitlements not validated, bailing out.",
        "Restricted entitlements not validated, bailing out.");
    dt += rng_range(&erng, 300, 900);
    sec(in, dt, T_DEFAULT, &k, &CH_AMFI, "AMFI: code signature validation failed.",
        "AMFI: code signature validation failed.");
    dt += rng_range(&erng, 10, 40);
    sec(in, dt, T_DEFAULT, &k, &CH_KERN,
        "mac_vnode_check_signature: %s: code signature validation failed fatally: %s",
        "mac_vnode_check_signature: %s: code signature validation failed fatally: "
        "When validating %s:\n  Code has restricted entitlements, but the "
        "validation of its code signature failed.\nUnsatisfied Entitlements: "
        "com.apple.developer.team-identifier, com.apple.application-identifier",
        a->path, a->path);
    dt += rng_range(&erng, 10, 40);
    sec(in, dt, T_DEFAULT, &k, &CH_KERN,
        "proc %d: load code signature error %d for file \"%s\"",
        "proc %u: load code signature error 4 for file \"%s\"", pid, a->name);
    snprintf(kv, sizeof kv,
             "path=%s\tprocess=%s\tpid=%u\tamfid_pid=%u\terror_domain="
             "AppleMobileFileIntegrityError\terror_code=-423",
             a->path, a->name, pid, am.pid);
    manifest_line(in->first, kind_names[K_ADHOC], kv, in->nev);
}

static void inc_gkreject(struct inc *in, const struct app *a)
{
    char ps[512], kv[1024];
    snprintf(ps, sizeof ps, "(path: %s), (team: (null)), (id: (null)), (bundle_id: %s)",
             a->hash, a->bundle_id);
    struct who gk = who_of(P_SYSPOLICYD), sp = who_of(P_SYSPOLICYD);
    struct who k = who_of(P_KERNEL);
    uint32_t pid = new_pid();
    uint64_t dt = 0;
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK process assessment: %{public}@ <-- (%{public}@, %{public}@)",
        "GK process assessment: %s <-- (/sbin/launchd, %s)", a->path, a->path);
    dt += rng_range(&erng, 200, 500);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK performScan: PST: %{public}@",
        "GK performScan: PST: %s", ps);
    dt += rng_range(&erng, 1500, 4000);
    sec(in, dt, T_DEFAULT, &gk, &CH_SEC_STATIC,
        "SecStaticCode: verification failed (trust result %d, error %d)",
        "SecStaticCode: verification failed (trust result 6, error -67050)");
    dt += rng_range(&erng, 20, 80);
    sec(in, dt, T_DEFAULT, &gk, &CH_SEC_EXC, "MacOS error: %d", "MacOS error: -67050");
    dt += rng_range(&erng, 20000, 60000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK scan complete: PST: %{public}@, %d, %d",
        "GK scan complete: PST: %s, 7, 0", ps);
    dt += rng_range(&erng, 50, 200);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK evaluateScanResult: %lld, PST: %{public}@, %d, %d, %d, %d, %lld, %d, %d",
        "GK evaluateScanResult: 3, PST: %s, 0, 0, 0, 0, 1, 0, 0", ps);
    dt += rng_range(&erng, 20, 80);
    sec(in, dt, T_ERROR, &gk, &CH_GK, "%@",
        "Error Domain=GatekeeperPolicyScanError Code=-67018 \"Code did not match any "
        "currently allowed policy\" UserInfo={NSLocalizedDescription=Code did not "
        "match any currently allowed policy}");
    dt += rng_range(&erng, 20, 80);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "Evaluating blocked code: PST: %{public}@",
        "Evaluating blocked code: PST: %s", ps);
    dt += rng_range(&erng, 1000, 4000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "Prompt shown (%lld, %lld), waiting for response: PST: %{public}@",
        "Prompt shown (3, 0), waiting for response: PST: %s", ps);
    dt += rng_range(&erng, 1500000, 5000000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK eval - was allowed: %d, show prompt: %d",
        "GK eval - was allowed: 0, show prompt: 1");
    dt += rng_range(&erng, 30, 120);
    sec(in, dt, T_DEFAULT, &k, &CH_ASP, "ASP: Security policy would not allow process: %d, %s",
        "ASP: Security policy would not allow process: %u, %s", pid, a->path);
    dt += rng_range(&erng, 30, 120);
    sec(in, dt, T_DEFAULT, &sp, &CH_SP, "Adding Gatekeeper denial breadcrumb",
        "Adding Gatekeeper denial breadcrumb");
    dt += rng_range(&erng, 30, 120);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "Terminating process due to Gatekeeper rejection: %d, %{public}@",
        "Terminating process due to Gatekeeper rejection: %u, %s", pid, a->path);
    snprintf(kv, sizeof kv,
             "app=%s\tpath=%s\tpath_hash=%s\tbundle_id=%s\tprocess=syspolicyd\t"
             "syspolicyd_pid=%u\ttid=0x%llx\tpid=%u\tallowed=0",
             a->name, a->path, a->hash, a->bundle_id, gk.pid,
             (unsigned long long)gk.tid, pid);
    manifest_line(in->first, kind_names[K_GKREJECT], kv, in->nev);
}

static void inc_malware(struct inc *in, const struct app *a)
{
    static const char *const fam[] = {"ADLOAD", "PIRRIT", "DOLITTLE", "BUNDLORE"};
    char ps[512], kv[1024], sig[64], when[32];
    pst(ps, sizeof ps, a, true);
    const char *fm = fam[rng_below(&erng, 4)];
    snprintf(sig, sizeof sig, "MACOS.%s.%c", fm, (char)('A' + rng_below(&erng, 6)));
    struct who gk = who_of(P_SYSPOLICYD), xp = who_of(P_XPROTECT);
    xp.pid = new_pid();
    uint32_t pid = new_pid();
    uint64_t dt = 0;
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK process assessment: %{public}@ <-- (%{public}@, %{public}@)",
        "GK process assessment: %s <-- (/sbin/launchd, %s)", a->path, a->path);
    dt += rng_range(&erng, 200, 500);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK performScan: PST: %{public}@",
        "GK performScan: PST: %s", ps);
    dt += rng_range(&erng, 5000, 40000);
    sec(in, dt, T_DEFAULT, &xp, &CH_XP, "Using meta-plist from: %{public}@",
        "Using meta-plist from: /Library/Apple/System/Library/CoreServices/"
        "XProtect.bundle/Contents/Resources/XProtect.meta.plist");
    dt += rng_range(&erng, 100000, 600000);
    utc_date(when, in->t0 + dt);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "GK Xprotect results: PST: %{public}@, %{public}@",
        "GK Xprotect results: PST: %s, XPScan: 1,%lld,%s +0000,%s", ps,
        -(long long)(rng_next(&erng) >> 2), when, sig);
    dt += rng_range(&erng, 100, 400);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "GK evaluateScanResult: %lld, PST: %{public}@, %d, %d, %d, %d, %lld, %d, %d",
        "GK evaluateScanResult: 1, PST: %s, 0, 0, 0, 0, 1, 0, 0", ps);
    dt += rng_range(&erng, 100, 400);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK,
        "Terminating process due to Malware rejection: %d, %{public}@",
        "Terminating process due to Malware rejection: %u, %s", pid, a->path);
    dt += rng_range(&erng, 100, 400);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "Attempting to move malware to trash: PST: %{public}@",
        "Attempting to move malware to trash: PST: %s", ps);
    dt += rng_range(&erng, 1000, 5000);
    sec(in, dt, T_DEFAULT, &gk, &CH_GK, "Prompt shown (%lld, %lld)", "Prompt shown (7, 0)");
    snprintf(kv, sizeof kv,
             "app=%s\tpath=%s\tpath_hash=%s\tteam_id=%s\tbundle_id=%s\tsignature=%s\t"
             "process=syspolicyd\tsyspolicyd_pid=%u\tpid=%u",
             a->name, a->path, a->hash, a->team, a->bundle_id, sig, gk.pid, pid);
    manifest_line(in->first, kind_names[K_MALWARE], kv, in->nev);
}

static void inc_bsi(struct inc *in, enum kind kind)
{
    char kv[512];
    struct who w = who_of(P_BSI);
    w.pid = new_pid();
    uint64_t dt = 0;
    if (kind == K_BSI_INSTALL) {
        sec(in, dt, T_DEFAULT, &w, &CH_BSI, "Staging Background Security Improvement %{public}@",
            "Staging Background Security Improvement %s", BSI_VERSION);
        dt += rng_range(&erng, 2000000, 8000000);
    }
    if (kind != K_BSI_ROLLBACK) {
        sec(in, dt, T_DEFAULT, &w, &CH_BSI, "Applying Background Security Improvement %{public}@",
            "Applying Background Security Improvement %s", BSI_VERSION);
        dt += rng_range(&erng, 1000000, 4000000);
    }
    if (kind == K_BSI_INSTALL) {
        sec(in, dt, T_DEFAULT, &w, &CH_BSI,
            "Background Security Improvement %{public}@ installed, restart required: %{BOOL}d",
            "Background Security Improvement %s installed, restart required: NO", BSI_VERSION);
        snprintf(kv, sizeof kv, "version=%s\tprocess=SecurityImprovementsExtension\tpid=%u",
                 BSI_VERSION, w.pid);
    } else if (kind == K_BSI_INSTALL_FAIL) {
        sec(in, dt, T_ERROR, &w, &CH_BSI, "Install failed: %@",
            "Install failed: Error Domain=SUOSUErrorDomain Code=102 \"Unable to install "
            "Background Security Improvement\" UserInfo={NSLocalizedDescription=Unable "
            "to install Background Security Improvement}");
        snprintf(kv, sizeof kv, "version=%s\tprocess=SecurityImprovementsExtension\tpid=%u\t"
                 "error_domain=SUOSUErrorDomain\terror_code=102", BSI_VERSION, w.pid);
    } else {
        sec(in, dt, T_DEFAULT, &w, &CH_BSI, "Removing Background Security Improvement %{public}@",
            "Removing Background Security Improvement %s", BSI_VERSION);
        dt += rng_range(&erng, 500000, 3000000);
        sec(in, dt, T_ERROR, &w, &CH_BSI, "Rollback failed: %@",
            "Rollback failed: Error Domain=SUOSUErrorDomain Code=103 \"Unable to remove "
            "Background Security Improvement\" UserInfo={NSLocalizedDescription=Unable to "
            "remove Background Security Improvement, NSLocalizedRecoverySuggestion=Use "
            "Software Update to install the latest version of macOS.}");
        snprintf(kv, sizeof kv, "version=%s\tprocess=SecurityImprovementsExtension\tpid=%u\t"
                 "error_domain=SUOSUErrorDomain\terror_code=103", BSI_VERSION, w.pid);
    }
    manifest_line(in->first, kind_names[kind], kv, in->nev);
}

/* Start one incident of the given kind at time t; app < 0: any. */
static void incident(enum kind kind, int app, bool variant, uint64_t t)
{
    struct inc in = {t, 0, 0};
    static const enum pool pool_of[K__COUNT] = {
        P_APPSTORE, P_NOTARIZED, P_UNSIGNED, P_ADHOC, P_GKREJECT, P_MALWARE,
        P_APPSTORE, P_APPSTORE, P_APPSTORE};
    enum pool pl = pool_of[kind];
    unsigned i = app >= 0 ? (unsigned)app % pool_len[pl]
                          : (unsigned)rng_below(&erng, pool_len[pl]);
    const struct app *a = &pools[pl][i];
    switch (kind) {
    case K_EXPIRED: inc_expired(&in, a, variant); break;
    case K_NOTARIZED: inc_notarized(&in, a); break;
    case K_UNSIGNED: inc_unsigned(&in, a); break;
    case K_ADHOC: inc_adhoc(&in, a); break;
    case K_GKREJECT: inc_gkreject(&in, a); break;
    case K_MALWARE: inc_malware(&in, a); break;
    case K_BSI_INSTALL:
    case K_BSI_ROLLBACK:
    case K_BSI_INSTALL_FAIL: inc_bsi(&in, kind); break;
    case K__COUNT: break;
    }
}

/* ---------------------------------------------------------------------
 * Stories: scripted runs for the committed samples
 * ------------------------------------------------------------------- */

struct story_inc {
    unsigned at_s; /* seconds after the start */
    enum kind kind;
    int app;
    bool variant; /* expired: only the leaf certificate has expired */
};

struct story {
    const char *name;
    const char *what;
    const char *start;
    int tz_min;
    unsigned dur_s;
    double rate; /* background events per second */
    uint32_t multi_ppm; /* multi-line background messages per million */
    unsigned timesync_at; /* 0: none */
    struct story_inc inc[12];
};

static const struct story stories[] = {
    {"expired-cert-migration",
     "App Store apps with expired signing certificates allowed due to migration",
     "2026-09-14 10:12:00", 120, 80, 0.5, 100000, 0,
     {{8, K_EXPIRED, 0, false}, {29, K_EXPIRED, 1, false},
      {55, K_EXPIRED, 2, true}, {0, K__COUNT, 0, false}}},
    {"notarized-first-launch",
     "a notarized download opened for the first time",
     "2026-03-16 11:05:00", 60, 40, 0.6, 40000, 0,
     {{6, K_NOTARIZED, 0, false}, {0, K__COUNT, 0, false}}},
    {"blocked-unsigned",
     "unsigned and ad-hoc signed code killed or rejected",
     "2026-03-17 16:40:00", 60, 60, 0.6, 40000, 0,
     {{5, K_UNSIGNED, 0, false}, {22, K_ADHOC, 0, false},
      {38, K_GKREJECT, 0, false}, {0, K__COUNT, 0, false}}},
    {"bsi-rollback",
     "a Background Security Improvement installed, then a failed rollback",
     "2026-03-19 08:30:00", 0, 90, 0.5, 40000, 0,
     {{5, K_BSI_INSTALL, 0, false}, {62, K_BSI_ROLLBACK, 0, false},
      {0, K__COUNT, 0, false}}},
    {"busy-hour",
     "one hour of background logging with one of each story inside",
     "2026-03-18 14:00:00", 60, 3600, 0.47, 8000, 1500,
     {{300, K_EXPIRED, 3, false}, {640, K_EXPIRED, 4, true},
      {900, K_NOTARIZED, 1, false}, {1300, K_UNSIGNED, 1, false},
      {1322, K_ADHOC, 1, false}, {1800, K_GKREJECT, 1, false},
      {2100, K_MALWARE, 0, false}, {2400, K_EXPIRED, 3, false},
      {2700, K_BSI_INSTALL, 0, false}, {3100, K_BSI_ROLLBACK, 0, false},
      {0, K__COUNT, 0, false}}},
};

/* ---------------------------------------------------------------------
 * The main loop
 * ------------------------------------------------------------------- */

static struct {
    uint64_t seed;
    double size_mb;
    uint64_t events;
    bool events_given;
    double rate;
    double sec_rate;
    const char *start;
    int tz_min;
    bool tz_set;
    const struct story *story;
} opt = {1, 0, 0, false, 400, 0.01, "2026-03-18 09:00:00", 60, false, NULL};

static unsigned burst_len(const struct proc *pr)
{
    uint64_t r = rng_below(&erng, 100);
    if (pr->weight <= 1) /* rare processes say one thing at a time */
        return 1;
    if (r < 55)
        return 1;
    if (r < 80)
        return (unsigned)rng_range(&erng, 2, 3);
    if (r < 95)
        return (unsigned)rng_range(&erng, 4, 7);
    return (unsigned)rng_range(&erng, 8, 16);
}
#define BURST_MEAN 2.6

static enum kind pick_kind(void)
{
    uint64_t r = rng_below(&erng, 1000);
    unsigned k = 0;
    while (k + 1 < K__COUNT && r >= kind_weight[k]) {
        r -= kind_weight[k];
        k++;
    }
    return (enum kind)k;
}

static void timesync(uint64_t t, const char *text)
{
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.t = t;
    ev.type = T_TIMESYNC;
    ev.msg = text;
    ev.msg_len = strlen(text);
    ev.fmt_json = "";
    ev.trace_id = new_trace_id();
    pend_flush_until(t);
    write_event(&ev);
}

static uint64_t parse_start(const char *s)
{
    int y;
    unsigned mo, d, h, mi, se;
    char tail;
    if (sscanf(s, "%d-%u-%u %u:%u:%u%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        die("bad --start '%s' (want YYYY-MM-DD HH:MM:SS)", s);
    int64_t days = days_from_civil(y, mo, d);
    return (uint64_t)(days * 86400 + h * 3600 + mi * 60 + se) * 1000000;
}

static void run(void)
{
    uint64_t start = parse_start(opt.start);
    world.boot_t = start - rng_range(&wrng, 7200, 6 * 86400) * 1000000;
    world.boot_t -= rng_below(&wrng, 1000000);
    double rate = opt.rate > 0 ? opt.rate : 1;
    uint64_t burst_gap = (uint64_t)(BURST_MEAN * 1e6 / rate);
    uint64_t end_t = opt.story ? start + (uint64_t)opt.story->dur_s * 1000000
                               : UINT64_MAX;
    uint64_t target_bytes = (uint64_t)(opt.size_mb * 1e6);
    uint64_t rate_ppm = (uint64_t)(opt.sec_rate * 1e6);
    uint64_t noise_n = 0, t = start;
    unsigned si = 0, bleft = 0;
    bool ts_done = false;
    struct proc *bp = NULL;
    uint64_t btid = 0;
    struct event ev;
    memset(&ev, 0, sizeof ev);

    write_start();
    while (!opt.events_given || opt.events > 0) {
        if (bleft == 0) {
            bp = pick_proc();
            bleft = burst_len(bp);
            btid = bp->tids[rng_below(&erng, bp->ntids)];
            t += 1 + rng_exp(&erng, burst_gap);
        } else {
            t += rng_range(&erng, 5, 800);
        }
        if (t >= end_t)
            break;
        if (opt.story) {
            const struct story_inc *si_ = &opt.story->inc[si];
            while (si_->kind != K__COUNT && start + si_->at_s * 1000000ULL <= t) {
                incident(si_->kind, si_->app, si_->variant,
                         start + si_->at_s * 1000000ULL + rng_range(&erng, 1, 900000));
                si_ = &opt.story->inc[++si];
            }
            if (opt.story->timesync_at && !ts_done &&
                start + opt.story->timesync_at * 1000000ULL <= t) {
                timesync(t - 1, "=== system wallclock time adjusted");
                ts_done = true;
            }
        } else {
            bool room = !opt.events_given || opt.events - (noise_n + sec_planned) > 60;
            uint64_t j = rng_below(&erng, 12);
            if (rate_ppm && room &&
                (sec_planned + j) * 1000000 < rate_ppm * (noise_n + sec_planned)) {
                enum kind k = pick_kind();
                bool variant = rng_chance(&erng, 250000);
                incident(k, -1, variant, t + rng_range(&erng, 1, 400));
            }
            if (room && rng_chance(&erng, 4)) { /* about 1 in 250000 */
                timesync(t, "=== system wallclock time adjusted");
                noise_n++;
            }
        }
        pend_flush_until(t);
        uint64_t tid = rng_chance(&erng, 800000) ? btid
                                                : bp->tids[rng_below(&erng, bp->ntids)];
        make_noise(&ev, bp, tid);
        ev.t = t;
        write_event(&ev);
        noise_n++;
        bleft--;
        if (target_bytes && out.total >= target_bytes)
            break;
        if (opt.events_given && noise_n + sec_planned >= opt.events)
            break;
    }
    pend_flush_until(UINT64_MAX);
    write_end();
}

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

static void usage(FILE *fp)
{
    fputs(
"Usage: tlgen [OPTIONS]\n"
"\n"
"Write realistic macOS unified-log text (what `log show` prints) with\n"
"security incidents mixed in. Deterministic for a given seed and options.\n"
"\n"
"Output:\n"
"  --style S           default, compact, syslog, json or ndjson (default: default)\n"
"  --no-ttl            default style: the older layout without the TTL column\n"
"  --preamble          start with the `Filtering the log data using ...` line and\n"
"                      the `Skipping ...` line that matches --info/--debug\n"
"  --predicate TEXT    the predicate echoed by --preamble\n"
"                      (default: " DEFAULT_PREDICATE ")\n"
"  --trailer           end text styles with the 116-dash summary (on by default\n"
"                      for the default style only)\n"
"  --no-trailer        no summary\n"
"  -o, --output FILE   write to FILE instead of stdout\n"
"  --manifest FILE     write one line per planted incident to FILE: the time of\n"
"                      its first event, its kind, then TAB-separated key=value\n"
"\n"
"Amount (the first limit reached ends the run):\n"
"  --size MB           stop after about MB megabytes (10^6 bytes) of output\n"
"                      (default 10 unless --events or --story)\n"
"  --events N          exactly N events (compact/syslog omit Timesync records)\n"
"\n"
"Content:\n"
"  --seed N            PRNG seed (default 1)\n"
"  --info, --debug     include Info / Debug events, like `log show`\n"
"  --security-rate R   share of events that belong to incidents (default 0.01)\n"
"  --rate N            background events per second of log time (default 400)\n"
"  --start TIME        first timestamp, 'YYYY-MM-DD HH:MM:SS' (local wall clock)\n"
"  --tz +HHMM          UTC offset printed in timestamps (default +0100)\n"
"  --story NAME        a scripted run for the samples (see --list-stories);\n"
"                      sets --start, --tz, --rate, the duration and the incidents\n"
"  --list-stories      list the stories\n"
"  -h, --help          this text\n", fp);
}

static const char *need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die("%s needs an argument", argv[*i]);
    return argv[++*i];
}

static double parse_num(const char *opt_name, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0)
        die("bad value '%s' for %s", s, opt_name);
    return v;
}

static int parse_tz(const char *s)
{
    if (strlen(s) != 5 || (s[0] != '+' && s[0] != '-'))
        die("bad --tz '%s' (want +HHMM or -HHMM)", s);
    for (int i = 1; i < 5; i++)
        if (s[i] < '0' || s[i] > '9')
            die("bad --tz '%s'", s);
    int hh = (s[1] - '0') * 10 + (s[2] - '0');
    int mm = (s[3] - '0') * 10 + (s[4] - '0');
    if (hh > 14 || mm > 59)
        die("bad --tz '%s'", s);
    int v = hh * 60 + mm;
    return s[0] == '-' ? -v : v;
}

int main(int argc, char **argv)
{
    const char *output = NULL, *manifest_path = NULL;
    bool size_given = false, rate_given = false, secrate_given = false;
    bool start_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list-stories")) {
            for (size_t k = 0; k < ARRAY_LEN(stories); k++)
                printf("%-24s %s\n", stories[k].name, stories[k].what);
            return 0;
        } else if (!strcmp(a, "--style")) {
            const char *s = need_arg(argc, argv, &i);
            static const char *const names[] = {"default", "compact", "syslog",
                                                "json", "ndjson"};
            size_t k = 0;
            while (k < ARRAY_LEN(names) && strcmp(names[k], s))
                k++;
            if (k == ARRAY_LEN(names))
                die("unknown style '%s'", s);
            cfg.style = (enum style)k;
        } else if (!strcmp(a, "--no-ttl")) {
            cfg.ttl = false;
        } else if (!strcmp(a, "--preamble")) {
            cfg.preamble = true;
        } else if (!strcmp(a, "--predicate")) {
            cfg.predicate = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--trailer")) {
            cfg.trailer = 1;
        } else if (!strcmp(a, "--no-trailer")) {
            cfg.trailer = 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            output = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--manifest")) {
            manifest_path = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--size")) {
            opt.size_mb = parse_num(a, need_arg(argc, argv, &i));
            size_given = true;
        } else if (!strcmp(a, "--events")) {
            opt.events = (uint64_t)parse_num(a, need_arg(argc, argv, &i));
            opt.events_given = true;
        } else if (!strcmp(a, "--seed")) {
            const char *s = need_arg(argc, argv, &i);
            char *end;
            errno = 0;
            opt.seed = strtoull(s, &end, 0);
            if (errno || end == s || *end)
                die("bad --seed '%s'", s);
        } else if (!strcmp(a, "--info")) {
            world.info = true;
        } else if (!strcmp(a, "--debug")) {
            world.debug = true;
        } else if (!strcmp(a, "--security-rate")) {
            opt.sec_rate = parse_num(a, need_arg(argc, argv, &i));
            if (opt.sec_rate > 0.5)
                die("--security-rate is a fraction (0 to 0.5), e.g. 0.01");
            secrate_given = true;
        } else if (!strcmp(a, "--rate")) {
            opt.rate = parse_num(a, need_arg(argc, argv, &i));
            rate_given = true;
        } else if (!strcmp(a, "--start")) {
            opt.start = need_arg(argc, argv, &i);
            start_given = true;
        } else if (!strcmp(a, "--tz")) {
            opt.tz_min = parse_tz(need_arg(argc, argv, &i));
            opt.tz_set = true;
        } else if (!strcmp(a, "--story")) {
            const char *s = need_arg(argc, argv, &i);
            size_t k = 0;
            while (k < ARRAY_LEN(stories) && strcmp(stories[k].name, s))
                k++;
            if (k == ARRAY_LEN(stories))
                die("unknown story '%s' (try --list-stories)", s);
            opt.story = &stories[k];
        } else {
            die("unknown option '%s' (try --help)", a);
        }
    }
    if (opt.story) {
        if (!start_given)
            opt.start = opt.story->start;
        if (!opt.tz_set)
            opt.tz_min = opt.story->tz_min;
        if (!rate_given)
            opt.rate = opt.story->rate;
        if (secrate_given && opt.sec_rate > 0)
            die("--story plants its own incidents; --security-rate does not apply");
        opt.sec_rate = 0;
        multi_ppm = opt.story->multi_ppm;
        world.ambiguous = false; /* keep text and JSON samples comparable */
    } else {
        world.ambiguous = true;
        if (!size_given && !opt.events_given)
            opt.size_mb = 10;
    }
    tz_set(opt.tz_min);
    json_init();
    jpretty = cfg.style == S_JSON;
    /* Independent streams for the world (processes, apps) and the
     * events, so that adding an option never reshuffles the world. */
    rng_seed(&wrng, opt.seed * 0x9e3779b97f4a7c15ULL + 0x5eed);
    rng_seed(&erng, (opt.seed ^ 0xa0761d6478bd642fULL) +
                        (opt.story ? fnv(opt.story->name) : 0));
    world_init();
    apps_init();
    P_SYSPOLICYD = proc_find("syspolicyd");
    P_TCCD = proc_find("tccd");
    P_KERNEL = proc_find("kernel");
    P_AMFID = proc_find("amfid");
    P_RUNNINGBOARDD = proc_find("runningboardd");
    P_XPROTECT = proc_find("XprotectService");
    P_BSI = proc_find("SecurityImprovementsExtension");

    out.fp = stdout;
    if (output) {
        out.fp = fopen(output, "wb");
        if (!out.fp)
            die("%s: %s", output, strerror(errno));
    }
    out.buf = xmalloc(OUT_CAP);
    if (manifest_path) {
        manifest = fopen(manifest_path, "w");
        if (!manifest)
            die("%s: %s", manifest_path, strerror(errno));
        fprintf(manifest, "# tlgen manifest: seed=%llu story=%s security-rate=%g\n"
                          "# time-of-first-event\tkind\tkey=value...\tevents=N\n",
                (unsigned long long)opt.seed,
                opt.story ? opt.story->name : "-", opt.sec_rate);
    }
    run();
    if (output && fclose(out.fp) != 0)
        die("%s: %s", output, strerror(errno));
    if (!output && fflush(stdout) != 0)
        die("write error: %s", strerror(errno));
    if (manifest && fclose(manifest) != 0)
        die("%s: %s", manifest_path, strerror(errno));
    return 0;
}
