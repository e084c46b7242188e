/*
 * ubsan_opts.c - linked into the libFuzzer builds (make fuzz) only.
 *
 * They are built with UBSan in its recovering mode, which keeps
 * libFuzzer's edge counts comparable with the earlier runs recorded in
 * README.md (without recovery, the never-taken edges to the report
 * handlers are pruned and the counts drop by two thirds). These defaults
 * make the first report fatal all the same, so that libFuzzer saves the
 * input as a crash; UBSAN_OPTIONS still overrides them.
 */
const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}
