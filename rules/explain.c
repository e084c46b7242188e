/*
 * explain.c - why a rule matched an event or not, in words: every
 * selection item, every selection, the condition, the extracted fields
 * and the summary. Used by `trustline explain`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rule_int.h"

/* Print s quoted: '...' with \' \n \t \r and \xHH for other controls
 * (backslashes as they are: regexes stay readable). */
static void put_quoted(FILE *out, const char *s, size_t n, size_t max)
{
    fputc('\'', out);
    size_t lim = n > max ? max : n;
    for (size_t i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\'':
            fputs("\\'", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc((int)c, out);
        }
    }
    fputc('\'', out);
    if (n > max)
        fprintf(out, "...(%zu bytes)", n);
}

static void put_plain(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            fputs("\\n", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc((int)c, out);
    }
}

void tl_rules_print_event(const struct tl_event *ev, FILE *out)
{
    fprintf(out, "event %s:%" PRIu64 " (%s)\n", ev->input ? ev->input : "-",
            ev->line, tl_style_name(ev->style));
    for (int f = 0; f < TL_F__COUNT; f++) {
        char buf[64];
        struct tl_str v;
        if (!tl_rules_event_value(ev, (enum tl_field)f, buf, sizeof buf, &v))
            continue;
        fprintf(out, "  %s: ", tl_field_name((enum tl_field)f));
        put_plain(out, v.p, v.n);
        fputc('\n', out);
    }
    for (size_t i = 0; i < ev->n_extra; i++) {
        fputs("  extra.", out);
        put_plain(out, ev->extra[i].key.p, ev->extra[i].key.n);
        fputs(": ", out);
        put_plain(out, ev->extra[i].raw.p, ev->extra[i].raw.n);
        fputc('\n', out);
    }
}

static const char *tf(bool b)
{
    return b ? "true" : "false";
}

static void explain_item(struct tl_ruleset *rs, const struct tl_rule *r,
                         const struct tl_item *it, const struct tl_event *ev,
                         FILE *out, const char *indent, bool result)
{
    struct tl_fval fv;
    bool present = tl_rules_get_field(rs, &it->field, ev, &fv);
    fprintf(out, "%s%s%s: ", indent, it->keyword ? "keywords in " : "",
            it->keyword ? "eventMessage" : it->key_text);
    if (it->keyword && strcmp(it->key_text, "(keyword)") != 0 &&
        strcmp(it->key_text, "(keywords)") != 0)
        fprintf(out, "(%s) ", it->key_text);
    if (it->n_vals > 1)
        fputc('[', out);
    for (size_t i = 0; i < it->n_vals; i++) {
        const struct tl_value *v = &it->vals[i];
        if (i)
            fputs(", ", out);
        if (v->kind == TL_V_NULL)
            fputs("null", out);
        else if (v->kind == TL_V_EXISTS || v->kind == TL_V_NUM)
            fputs(v->text, out);
        else
            put_quoted(out, v->text, strlen(v->text), 200);
    }
    if (it->n_vals > 1)
        fputc(']', out);
    fprintf(out, " -> %s", tf(result));
    if (!present) {
        fputs(" (field absent)\n", out);
        return;
    }
    if (it->n_vals > 1) {
        /* which value decided */
        for (size_t i = 0; i < it->n_vals; i++) {
            bool m = tl_rules_value_match(rs, r, &it->vals[i], present, &fv,
                                          ev);
            if (it->all ? !m : m) {
                fputs(" (", out);
                put_quoted(out, it->vals[i].text, strlen(it->vals[i].text),
                           80);
                fputs(it->all ? " did not match)" : " matched)", out);
                break;
            }
        }
    }
    fputs("\n", out);
}

static void explain_group(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_group *g, const struct tl_event *ev,
                          FILE *out, const char *indent)
{
    for (size_t k = 0; k < g->n_items; k++) {
        const struct tl_item *it = &g->items[k];
        bool res = tl_rules_item_match(rs, r, it, ev);
        explain_item(rs, r, it, ev, out, indent, res);
    }
}

bool tl_rule_explain(struct tl_ruleset *rs, const struct tl_rule *r,
                     const struct tl_event *ev, FILE *out)
{
    const struct tl_rule_info *in = &r->info;
    if (in->kind == TL_RULE_CORRELATION) {
        fprintf(out, "rule %s \"%s\" (%s:%u): correlation (%s), evaluated "
                     "over matches, not per event\n",
                tl_rule_label(r), in->title, in->file, in->line,
                tl_rule_corr_type_name(r->corr.type));
        return false;
    }
    bool matched = tl_rules_rule_eval(rs, r, ev);
    fprintf(out, "rule %s \"%s\" (%s:%u): %s\n", tl_rule_label(r), in->title,
            in->file, in->line, matched ? "MATCH" : "no match");
    for (size_t s = 0; s < r->n_sels; s++) {
        const struct tl_selection *sel = &r->sels[s];
        bool sv = tl_rules_sel_match(rs, r, s, ev);
        fprintf(out, "  selection %s: %s\n", sel->name, tf(sv));
        if (sel->n_groups == 1) {
            explain_group(rs, r, &sel->groups[0], ev, out, "    ");
            continue;
        }
        for (size_t g = 0; g < sel->n_groups; g++) {
            bool gv = tl_rules_group_match(rs, r, &sel->groups[g], ev);
            fprintf(out, "    alternative %zu (line %u): %s\n", g + 1,
                    sel->groups[g].line, tf(gv));
            explain_group(rs, r, &sel->groups[g], ev, out, "      ");
        }
    }
    for (size_t c = 0; c < r->n_conds; c++) {
        bool cv = tl_rules_cond_eval_one(rs, r, c, ev);
        fprintf(out, "  condition %s: %s\n", r->cond_texts[c], tf(cv));
    }
    if (matched) {
        struct tl_match m;
        tl_rules_build_match(rs, r, ev, &m);
        if (r->n_ex) {
            fputs("  extracted:", out);
            if (m.n_fields == 0)
                fputs(" (nothing)", out);
            for (size_t i = 0; i < m.n_fields; i++) {
                fprintf(out, " %s=", m.fields[i].name);
                put_quoted(out, m.fields[i].value.p, m.fields[i].value.n,
                           200);
            }
            fputc('\n', out);
        }
        if (m.summary.p) {
            fputs("  summary: ", out);
            put_plain(out, m.summary.p, m.summary.n);
            fputc('\n', out);
        }
    }
    return matched;
}
