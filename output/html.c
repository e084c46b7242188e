/*
 * html.c - one self-contained HTML5 report: a header with the counts and
 * the time span, an SVG timeline of episodes in swimlanes, the event
 * table with filters, and the closing summary.
 *
 * Streaming with bounded memory: table rows are written as hits and
 * episodes arrive; what the timeline needs is kept in a bounded summary
 * (HTML_MAX_EPISODES episode bars and HTML_MAX_POINTS standalone events,
 * with their titles cut short; a visible note says when more arrived;
 * standalone events a few units apart in one lane share a dot).
 * The table comes first in the document; the header, timeline and filter
 * bar are written at the end and put on top with CSS flex `order`.
 *
 * Safety: every log-derived string goes through esc() (tl_esc_html, plus
 * the C1 controls, line separators and bidirectional controls shown
 * visibly as \uXXXX, and long text cut); log text is never written
 * into the <script> or <style> blocks, which are static. Filtering data
 * lives in data-* attributes holding only numbers. A Content-Security-
 * Policy allows nothing but the inline style and script written here,
 * named by their SHA-256 hashes (computed at open), so a script smuggled
 * into the page would not run. No external resources.
 *
 * Without JavaScript everything is visible; the filter bar stays hidden.
 * With it: filter by level (at least), rule, episode and text; the state
 * is kept in the URL fragment (#level=high&rule=NAME&ep=3&q=TEXT), which
 * is also read on load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"

#define HTML_MAX_EPISODES 5000u /* episode bars kept for the timeline */
#define HTML_MAX_POINTS 5000u   /* standalone event marks kept */
#define HTML_MAX_LANES 24u      /* lanes per group; the rest share one */
#define HTML_TITLE_MAX 200u     /* bytes of a title kept for tooltips */
#define HTML_VERDICT_MAX 300u
#define HTML_TEXT_MAX 200u
#define HTML_MSG_MAX 4000u      /* bytes of a message shown in the table */
#define HTML_FIELD_MAX 600u     /* bytes of a field value shown */
#define HTML_LABEL_MAX 34u      /* bytes of a lane label */

/* ---- SHA-256 (FIPS 180-4), for the CSP hashes --------------------------- */

struct sha256 {
    uint32_t h[8];
    unsigned char buf[64];
    size_t n;
    uint64_t len;
};

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned r)
{
    return (x >> r) | (x << (32 - r));
}

static void sha_block(struct sha256 *c, const unsigned char *p)
{
    uint32_t w[64], a[8];
    for (unsigned i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (unsigned i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(a, c->h, sizeof(a));
    for (unsigned i = 0; i < 64; i++) {
        uint32_t s1 = ror(a[4], 6) ^ ror(a[4], 11) ^ ror(a[4], 25);
        uint32_t ch = (a[4] & a[5]) ^ (~a[4] & a[6]);
        uint32_t t1 = a[7] + s1 + ch + sha_k[i] + w[i];
        uint32_t s0 = ror(a[0], 2) ^ ror(a[0], 13) ^ ror(a[0], 22);
        uint32_t maj = (a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]);
        uint32_t t2 = s0 + maj;
        memmove(a + 1, a, 7 * sizeof(a[0]));
        a[4] += t1;
        a[0] = t1 + t2;
    }
    for (unsigned i = 0; i < 8; i++)
        c->h[i] += a[i];
}

static void sha_init(struct sha256 *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof(h0));
    c->n = 0;
    c->len = 0;
}

static void sha_update(struct sha256 *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->len += n;
    while (n > 0) {
        size_t k = 64 - c->n < n ? 64 - c->n : n;
        memcpy(c->buf + c->n, p, k);
        c->n += k;
        p += k;
        n -= k;
        if (c->n == 64) {
            sha_block(c, c->buf);
            c->n = 0;
        }
    }
}

static void sha_final(struct sha256 *c, unsigned char out[32])
{
    uint64_t bits = c->len * 8;
    unsigned char pad = 0x80, z = 0, lb[8];
    sha_update(c, &pad, 1);
    while (c->n != 56)
        sha_update(c, &z, 1);
    for (unsigned i = 0; i < 8; i++)
        lb[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha_update(c, lb, 8);
    for (unsigned i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

/* 'sha256-BASE64' of the concatenation of parts (NULL-terminated). */
static void csp_hash(const char *const *parts, char out[64])
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct sha256 c;
    unsigned char d[33];
    sha_init(&c);
    for (size_t i = 0; parts[i]; i++)
        sha_update(&c, parts[i], strlen(parts[i]));
    sha_final(&c, d);
    d[32] = 0;
    char *o = out;
    memcpy(o, "'sha256-", 8);
    o += 8;
    for (unsigned i = 0; i < 33; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 |
                     (uint32_t)(i + 1 < 33 ? d[i + 1] : 0) << 8 |
                     (uint32_t)(i + 2 < 33 ? d[i + 2] : 0);
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < 32 ? b64[v & 63] : '=';
    }
    *o++ = '\'';
    *o = '\0';
}

/* ---- the static parts of the page --------------------------------------- */

/* Split in pieces under the 4095 bytes ISO C guarantees for a literal. */
static const char *const page_css[] = {
    "\n:root{--info:#8a94a6;--low:#1f8ecd;--medium:#e0a100;--high:#d93a2b;"
    "--critical:#7a0f16;--ink:#1b2230;--muted:#5e6a7b;--line:#e2e7ee;"
    "--bg:#f4f6f9;--card:#fff;--accent:#24476b}\n"
    "*{box-sizing:border-box}\n"
    "html{font:14px/1.45 -apple-system,BlinkMacSystemFont,\"Segoe UI\","
    "Roboto,\"Helvetica Neue\",Arial,sans-serif;color:var(--ink);"
    "background:var(--bg)}\n"
    "body{margin:0}\n"
    "[hidden]{display:none!important}\n"
    ".wrap{display:flex;flex-direction:column;gap:18px;max-width:1560px;"
    "margin:0 auto;padding:24px 28px 40px}\n"
    ".o1{order:1}.o2{order:2}.o3{order:3}.o4{order:4}.o5{order:5}"
    ".o6{order:6}\n"
    ".card{background:var(--card);border:1px solid var(--line);"
    "border-radius:10px;padding:18px 22px;box-shadow:0 1px 2px "
    "rgba(20,30,50,.04)}\n"
    "h1{font-size:24px;line-height:1.2;margin:2px 0 6px;font-weight:650}\n"
    "h2{font-size:16px;margin:0 0 12px;font-weight:650}\n"
    "h3{font-size:13px;margin:16px 0 8px;color:var(--muted);"
    "text-transform:uppercase;letter-spacing:.05em}\n"
    ".brand{font-size:12px;font-weight:700;letter-spacing:.12em;"
    "text-transform:uppercase;color:var(--accent)}\n"
    ".span{color:var(--muted);margin:0 0 14px}\n"
    ".stats{display:flex;flex-wrap:wrap;gap:12px}\n"
    ".stat{flex:1 1 170px;border:1px solid var(--line);border-radius:8px;"
    "padding:10px 14px;background:#fafbfd}\n"
    ".stat .n{display:block;font-size:24px;font-weight:650;"
    "line-height:1.2}\n"
    ".stat .l{font-size:12px;color:var(--muted);text-transform:uppercase;"
    "letter-spacing:.05em}\n"
    ".chips{margin-top:6px;display:flex;flex-wrap:wrap;gap:4px}\n"
    ".lv{display:inline-block;min-width:62px;text-align:center;"
    "padding:1px 7px;border-radius:9px;font-size:11px;font-weight:700;"
    "color:#fff;text-transform:uppercase;letter-spacing:.04em;"
    "white-space:nowrap}\n"
    ".lv-0{background:var(--info)}.lv-1{background:var(--low)}"
    ".lv-2{background:var(--medium);color:#2b2100}"
    ".lv-3{background:var(--high)}.lv-4{background:var(--critical)}\n"
    ".note{color:var(--muted);font-size:12.5px;margin:8px 0 0}\n"
    ".warn{color:#8a5a00}\n",

    /* timeline */
    ".tlbox{overflow-x:auto}\n"
    "#tl{display:block;width:100%;min-width:900px;height:auto}\n"
    "#tl text{font-family:-apple-system,BlinkMacSystemFont,\"Segoe UI\","
    "Roboto,Arial,sans-serif;font-size:11px;fill:var(--muted)}\n"
    "#tl .lane{fill:#f7f9fc}#tl .grid{stroke:#e3e8ef;stroke-width:1}\n"
    "#tl .axis{stroke:#c4ccd7}#tl .grp{font-weight:700;font-size:10.5px;"
    "letter-spacing:.08em;fill:var(--accent)}\n"
    "#tl .lname{fill:var(--ink);font-size:11.5px}\n"
    "#tl .f0{fill:var(--info)}#tl .f1{fill:var(--low)}"
    "#tl .f2{fill:var(--medium)}#tl .f3{fill:var(--high)}"
    "#tl .f4{fill:var(--critical)}\n"
    "#tl .bar{stroke:rgba(0,0,0,.18);stroke-width:.5}\n"
    "#tl .dot{stroke:#fff;stroke-width:1.2}\n"
    "#tl a:hover .bar,#tl a:hover .dot{stroke:#000;stroke-width:1.5}\n"
    "#tl .bl{fill:#fff;font-size:10px;font-weight:700;pointer-events:none}\n"
    "#tl .dim{opacity:.12}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;"
    "color:var(--muted);margin:0 0 8px}\n"
    ".legend i{display:inline-block;width:18px;height:9px;border-radius:2px;"
    "margin-right:5px;vertical-align:middle}\n"
    ".sw0{background:var(--info)}.sw1{background:var(--low)}"
    ".sw2{background:var(--medium)}.sw3{background:var(--high)}"
    ".sw4{background:var(--critical)}\n"
    ".swd{background:var(--muted);width:9px!important;border-radius:50%}\n",

    /* filters and table */
    ".filters{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;"
    "align-items:center;gap:10px 16px;padding:12px 18px}\n"
    ".filters label{font-size:12px;color:var(--muted);display:flex;"
    "align-items:center;gap:6px}\n"
    ".filters select,.filters input{font:inherit;font-size:13px;"
    "padding:4px 8px;border:1px solid #c9d1dc;border-radius:6px;"
    "background:#fff;color:var(--ink);max-width:230px}\n"
    ".filters input{width:200px}\n"
    ".filters button{font:inherit;font-size:12.5px;padding:4px 10px;"
    "border:1px solid #c9d1dc;border-radius:6px;background:#f4f6f9;"
    "cursor:pointer}\n"
    ".filters .count{margin-left:auto;font-size:12.5px;color:var(--muted)}\n"
    ".events{padding:0;overflow:hidden}\n"
    ".events .head{padding:16px 22px 4px}\n"
    ".tblbox{overflow-x:auto}\n"
    "table.ev{width:100%;border-collapse:collapse;font-size:13px}\n"
    "table.ev th{text-align:left;font-size:11.5px;text-transform:uppercase;"
    "letter-spacing:.05em;color:var(--muted);font-weight:650;"
    "padding:8px 10px;border-bottom:2px solid var(--line);"
    "background:#fafbfd}\n"
    "table.ev td{padding:6px 10px;vertical-align:top;"
    "border-top:1px solid var(--line)}\n"
    ".c-time{white-space:nowrap;font-variant-numeric:tabular-nums;"
    "width:1%}\n"
    ".c-time .d{display:block;font-size:11px;color:var(--muted)}\n"
    ".c-lvl,.c-ep{width:1%;white-space:nowrap}\n"
    ".c-rule{font-weight:600;min-width:200px;max-width:300px;"
    "overflow-wrap:anywhere}\n"
    ".c-proc{white-space:nowrap;max-width:220px;overflow:hidden;"
    "text-overflow:ellipsis}\n"
    ".msg{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "monospace;font-size:12px;white-space:pre-wrap;"
    "overflow-wrap:anywhere}\n"
    ".kv{display:inline-block;margin:3px 6px 0 0;padding:0 6px;"
    "border-radius:4px;background:#eef2f7;font-size:11.5px;"
    "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "overflow-wrap:anywhere}\n"
    ".kv i{font-style:normal;color:var(--muted)}\n"
    "tbody.ep{border-left:4px solid var(--info)}\n"
    "tbody.ep.e1{border-left-color:var(--low)}"
    "tbody.ep.e2{border-left-color:var(--medium)}"
    "tbody.ep.e3{border-left-color:var(--high)}"
    "tbody.ep.e4{border-left-color:var(--critical)}\n"
    "tr.ep-head td{background:#f1f4f9;border-top:2px solid #cfd7e2}\n"
    ".ep-title{font-weight:650;font-size:14px}\n"
    ".verdict{margin-top:2px}\n"
    ".meta{font-size:12px;color:var(--muted);margin-top:3px}\n"
    "tr.in td{background:#fcfdfe}\n"
    "tr.in td:first-child{padding-left:24px}\n"
    "tr.again td{opacity:.75}\n"
    ".js tr.ep-head{cursor:pointer}\n"
    ".js tr.ep-head .ep-title::before{content:\"\\25BE\";display:inline-block;"
    "width:16px;color:var(--muted)}\n"
    ".js tbody.folded .ep-title::before{content:\"\\25B8\"}\n"
    "tbody.folded tr.in{display:none}\n"
    "tbody:target tr td{background:#fff7d6}\n"
    ".empty td{padding:24px;text-align:center;color:var(--muted)}\n"
    ".sub{font-size:12px;color:var(--muted);font-weight:400}\n"
    "a{color:var(--accent)}\n",

    /* summary and print */
    ".grid2{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);"
    "gap:28px}\n"
    "@media (max-width:1000px){.grid2{grid-template-columns:1fr}}\n"
    "table.mini{border-collapse:collapse;width:100%;font-size:13px}\n"
    "table.mini th{text-align:left;font-size:11.5px;color:var(--muted);"
    "font-weight:650;padding:4px 8px;border-bottom:1px solid var(--line)}\n"
    "table.mini td{padding:4px 8px;border-bottom:1px solid var(--line);"
    "vertical-align:top}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "footer{color:var(--muted);font-size:12px;text-align:center}\n"
    "@media print{html{background:#fff}.filters{display:none!important}"
    ".wrap{padding:0}.card{box-shadow:none;break-inside:avoid}"
    "tbody{break-inside:avoid}#tl{min-width:0}}\n",
    NULL,
};

static const char *const page_js[] = {
    "\n(function () {\n"
    "'use strict';\n"
    "var d = document, A = Array.prototype;\n"
    "var form = d.getElementById('flt');\n"
    "if (!form) return;\n"
    "d.documentElement.classList.add('js');\n"
    "var NAMES = ['informational', 'low', 'medium', 'high', 'critical'];\n"
    "var fl = d.getElementById('f-level'), fr = d.getElementById('f-rule'),\n"
    "    fe = d.getElementById('f-ep'), fq = d.getElementById('f-q'),\n"
    "    cnt = d.getElementById('f-count'), none = "
    "d.getElementById('f-none');\n"
    "var bodies = A.slice.call(d.querySelectorAll('#evt > tbody[data-lv]'));\n"
    "var marks = A.slice.call(d.querySelectorAll('#tl [data-ref]'));\n"
    "/* live mode: events were listed as they arrived, before the episode\n"
    "   that claimed them; link them to it. */\n"
    "A.forEach.call(d.querySelectorAll('#evt tr.again[data-seq]'), "
    "function (tr) {\n"
    "  var b = d.getElementById('h-' + tr.getAttribute('data-seq'));\n"
    "  var ep = tr.parentNode.getAttribute('data-ep');\n"
    "  if (!b || b.getAttribute('data-ep')) return;\n"
    "  b.setAttribute('data-ep', ep);\n"
    "  var c = b.querySelector('td.c-ep');\n"
    "  if (!c) return;\n"
    "  c.textContent = '';\n"
    "  var a = d.createElement('a');\n"
    "  a.href = '#ep-' + ep;\n"
    "  a.textContent = '#' + ep;\n"
    "  c.appendChild(a);\n"
    "});\n"
    "function pick(s, v) {\n"
    "  for (var i = 0; i < s.options.length; i++) {\n"
    "    var o = s.options[i];\n"
    "    if (o.value === v || o.getAttribute('data-name') === v) {\n"
    "      s.selectedIndex = i; return true;\n"
    "    }\n"
    "  }\n"
    "  return false;\n"
    "}\n"
    "function readHash() {\n"
    "  var h = location.hash.replace(/^#/, '');\n"
    "  if (h.indexOf('=') < 0) return false;\n"
    "  fl.value = ''; fr.value = ''; fe.value = ''; fq.value = '';\n"
    "  h.split('&').forEach(function (kv) {\n"
    "    var i = kv.indexOf('='), k, v;\n"
    "    if (i < 0) return;\n"
    "    k = kv.slice(0, i);\n"
    "    try { v = decodeURIComponent(kv.slice(i + 1).replace(/\\+/g, ' ')); "
    "}\n"
    "    catch (e) { return; }\n"
    "    if (k === 'level') {\n"
    "      var n = NAMES.indexOf(v);\n"
    "      if (v === 'info') n = 0;\n"
    "      if (n < 0 && /^[0-4]$/.test(v)) n = +v;\n"
    "      fl.value = n < 0 ? '' : String(n);\n"
    "    } else if (k === 'rule') {\n"
    "      pick(fr, v);\n"
    "    } else if (k === 'ep' || k === 'episode') {\n"
    "      v = v.replace(/^#/, '');\n"
    "      if (/^[0-9]+$/.test(v) && !pick(fe, v)) {\n"
    "        var o = d.createElement('option');\n"
    "        o.value = v; o.textContent = '#' + v;\n"
    "        fe.appendChild(o); fe.value = v;\n"
    "      }\n"
    "    } else if (k === 'q') {\n"
    "      fq.value = v;\n"
    "    }\n"
    "  });\n"
    "  return true;\n"
    "}\n",

    "function writeHash() {\n"
    "  var p = [];\n"
    "  if (fl.value !== '') p.push('level=' + NAMES[+fl.value]);\n"
    "  if (fr.value !== '') p.push('rule=' + encodeURIComponent(\n"
    "      fr.options[fr.selectedIndex].getAttribute('data-name')));\n"
    "  if (fe.value !== '') p.push('ep=' + fe.value);\n"
    "  if (fq.value !== '') p.push('q=' + encodeURIComponent(fq.value));\n"
    "  try {\n"
    "    history.replaceState(null, '', p.length ? '#' + p.join('&')\n"
    "                                  : location.pathname + "
    "location.search);\n"
    "  } catch (e) { /* some browsers refuse on file: URLs */ }\n"
    "}\n"
    "function plural(n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); }\n"
    "function apply(upd) {\n"
    "  var lv = fl.value === '' ? -1 : +fl.value, r = fr.value,\n"
    "      e = fe.value, q = fq.value.trim().toLowerCase();\n"
    "  var ev = 0, evAll = 0, ep = 0, epAll = 0, vis = {};\n"
    "  bodies.forEach(function (b) {\n"
    "    var ok = +b.getAttribute('data-lv') >= lv &&\n"
    "      (r === '' || (' ' + b.getAttribute('data-r') + ' ')\n"
    "                      .indexOf(' ' + r + ' ') >= 0) &&\n"
    "      (e === '' || b.getAttribute('data-ep') === e) &&\n"
    "      (q === '' || b.textContent.toLowerCase().indexOf(q) >= 0);\n"
    "    b.hidden = !ok;\n"
    "    var n = +(b.getAttribute('data-n') || 0), isEp = "
    "b.classList.contains('ep');\n"
    "    evAll += n; if (isEp) epAll++;\n"
    "    if (ok) { ev += n; if (isEp) ep++; vis[b.id] = 1; }\n"
    "  });\n"
    "  marks.forEach(function (m) {\n"
    "    m.classList.toggle('dim', !vis[m.getAttribute('data-ref')]);\n"
    "  });\n"
    "  var all = ev === evAll && ep === epAll;\n"
    "  cnt.textContent = all\n"
    "    ? 'Showing all: ' + plural(epAll, 'episode') + ', ' +\n"
    "      plural(evAll, 'event')\n"
    "    : 'Showing ' + ep + ' of ' + plural(epAll, 'episode') + ', ' +\n"
    "      ev + ' of ' + plural(evAll, 'event');\n"
    "  none.hidden = ev + ep > 0 || bodies.length === 0;\n"
    "  d.documentElement.setAttribute('data-shown', ep + ' ' + ev);\n"
    "  if (upd) writeHash();\n"
    "}\n"
    "[fl, fr, fe].forEach(function (s) {\n"
    "  s.addEventListener('change', function () { apply(true); });\n"
    "});\n"
    "var timer = 0;\n"
    "fq.addEventListener('input', function () {\n"
    "  clearTimeout(timer);\n"
    "  timer = setTimeout(function () { apply(true); }, 150);\n"
    "});\n"
    "d.getElementById('f-reset').addEventListener('click', function () {\n"
    "  fl.value = ''; fr.value = ''; fe.value = ''; fq.value = '';\n"
    "  apply(true);\n"
    "});\n"
    "var folded = false;\n"
    "d.getElementById('f-fold').addEventListener('click', function () {\n"
    "  folded = !folded;\n"
    "  this.textContent = folded ? 'Expand episodes' : 'Collapse episodes';\n"
    "  bodies.forEach(function (b) {\n"
    "    if (b.classList.contains('ep')) b.classList.toggle('folded', "
    "folded);\n"
    "  });\n"
    "});\n"
    "d.getElementById('evt').addEventListener('click', function (e) {\n"
    "  var t = e.target;\n"
    "  if (t.closest('a')) return;\n"
    "  var tr = t.closest('tr.ep-head');\n"
    "  if (tr) tr.parentNode.classList.toggle('folded');\n"
    "});\n"
    "form.addEventListener('submit', function (e) { e.preventDefault(); "
    "});\n"
    "/* a link to a row the filters hide (a bar of the timeline): show all */\n"
    "window.addEventListener('hashchange', function () {\n"
    "  if (readHash()) { apply(false); return; }\n"
    "  var t = d.getElementById(location.hash.slice(1));\n"
    "  if (t && t.hidden) {\n"
    "    fl.value = ''; fr.value = ''; fe.value = ''; fq.value = '';\n"
    "    apply(false);\n"
    "    t.scrollIntoView();\n"
    "  }\n"
    "});\n"
    "form.hidden = false;\n"
    "readHash();\n"
    "apply(false);\n"
    "})();\n",
    NULL,
};

/* ---- state ------------------------------------------------------------- */

struct rinfo {
    const struct tl_rule_info *info;
    enum tl_level max;          /* highest level shown for it */
    uint64_t hits, eps;         /* shown in the table */
    uint64_t lane_hits, lane_eps; /* kept for the timeline */
    int lane_ep, lane_hit;      /* lane index at the end, -1 if none */
};

struct pt_ep {
    uint64_t id;
    int64_t s, e;
    uint32_t rule;
    uint8_t level;
    size_t n_hits;
    char *title;
    char *verdict;
};

struct pt_hit {
    uint64_t seq;
    int64_t t;
    uint32_t rule;
    uint8_t level;
    bool claimed;   /* live: an episode took it (drawn as its bar) */
    char *text;
};

struct lane {
    uint32_t rule;  /* UINT32_MAX: "other rules" */
    bool ep;
    enum tl_level max;
    uint64_t n;
};

struct html {
    struct tl_out *o;
    struct tl_render_opts opts;
    const char *title;

    struct rinfo *r;
    size_t nr, capr;
    uint32_t *rh;           /* open addressing: index + 1, 0 empty */
    size_t rhcap;

    struct pt_ep *eps;
    size_t neps, capeps;
    uint64_t eps_over;
    struct pt_hit *pts;
    size_t npts, cappts;
    uint64_t pts_over;

    uint64_t shown_hits;        /* standalone rows */
    uint64_t shown_eps;
    uint64_t shown_ep_hits;     /* rows inside episodes (not live) */
    uint64_t below;             /* left out by min_level */
    uint64_t lvl_hits[TL_LEVEL__COUNT];
    uint64_t lvl_eps[TL_LEVEL__COUNT];

    bool any_time;              /* over everything shown */
    int64_t first_us, last_us;
    bool tz_set, tz_known;
    int16_t tz_off;

    bool finished;
};

static const char *const level_name[TL_LEVEL__COUNT] = {
    "informational", "low", "medium", "high", "critical",
};
static const char *const level_short[TL_LEVEL__COUNT] = {
    "info", "low", "medium", "high", "critical",
};

static unsigned lvl(enum tl_level l)
{
    return (unsigned)l < TL_LEVEL__COUNT ? (unsigned)l : 0;
}

/* ---- escaping ----------------------------------------------------------- */

/* Log text for HTML text or a double-quoted attribute value: through
 * tl_esc_html, with the C1 controls, the line/paragraph separators and
 * the bidirectional controls shown visibly as \uXXXX (they could reorder
 * what the reader sees, or break a consumer of the file). At most max
 * bytes are shown, cut on a UTF-8 boundary, with "…" after a cut. */
static void esc(struct tl_out *o, const char *s, size_t n, size_t max)
{
    bool cut = false;
    if (!s)
        return;
    if (n > max) {
        size_t k = max;
        while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
            k--;
        n = k;
        cut = true;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i] != 0xc2 && u[i] != 0xe2)
            continue;
        unsigned cp;
        size_t k = tl_utf8_invisible(u + i, n - i, &cp);
        if (!k)
            continue;
        tl_esc_html(o, s + run, i - run);
        tl_out_printf(o, "\\u%04x", cp);
        i += k - 1;
        run = i + 1;
    }
    tl_esc_html(o, s + run, n - run);
    if (cut)
        tl_out_puts(o, "\xe2\x80\xa6");
}

static void escz(struct tl_out *o, const char *s, size_t max)
{
    if (s)
        esc(o, s, strlen(s), max);
}

/* A copy of at most max bytes (cut on a UTF-8 boundary, "…" marked). */
static char *keep(const char *s, size_t n, size_t max)
{
    if (!s)
        return NULL;
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *p = tl_xmalloc(n + 4);
    memcpy(p, s, n);
    if (cut)
        memcpy(p + n, "\xe2\x80\xa6", 3), n += 3;
    p[n] = '\0';
    return p;
}

static void put_count(struct tl_out *o, uint64_t v)
{
    char b[32], r[48];
    int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
    size_t j = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            r[j++] = ',';
        r[j++] = b[i];
    }
    tl_out_write(o, r, j);
}

/* ---- rules ------------------------------------------------------------- */

static size_t ptr_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static uint32_t rule_idx(struct html *h, const struct tl_rule_info *in)
{
    if (h->rhcap == 0 || (h->nr + 1) * 2 > h->rhcap) {
        size_t cap = h->rhcap ? h->rhcap * 2 : 64;
        uint32_t *t = tl_xcalloc(cap, sizeof(*t));
        for (size_t i = 0; i < h->nr; i++) {
            size_t j = ptr_hash(h->r[i].info, cap);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = (uint32_t)i + 1;
        }
        free(h->rh);
        h->rh = t;
        h->rhcap = cap;
    }
    size_t j = ptr_hash(in, h->rhcap);
    while (h->rh[j]) {
        if (h->r[h->rh[j] - 1].info == in)
            return h->rh[j] - 1;
        j = (j + 1) & (h->rhcap - 1);
    }
    tl_xgrow((void **)&h->r, &h->capr, h->nr + 1, sizeof(*h->r));
    struct rinfo *ri = &h->r[h->nr];
    memset(ri, 0, sizeof(*ri));
    ri->info = in;
    ri->max = in->level;
    ri->lane_ep = ri->lane_hit = -1;
    h->rh[j] = (uint32_t)h->nr + 1;
    return (uint32_t)h->nr++;
}

static const char *rule_name(const struct tl_rule_info *in)
{
    return in->name ? in->name : in->title;
}

/* ---- time --------------------------------------------------------------- */

static void note_time(struct html *h, int64_t us, bool tz_known, int16_t off)
{
    if (!h->tz_set || (!h->tz_known && tz_known)) {
        h->tz_set = true;
        h->tz_known = tz_known;
        h->tz_off = tz_known ? off : 0;
    }
    if (!h->any_time || us < h->first_us)
        h->first_us = us;
    if (!h->any_time || us > h->last_us)
        h->last_us = us;
    h->any_time = true;
}

/* The display offset in microseconds (local time of the log). */
static int64_t disp_off(const struct html *h)
{
    return h->tz_known ? (int64_t)h->tz_off * 60 * 1000000 : 0;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Local (already shifted) microseconds into date and time parts. */
static void split_time(int64_t us, char date[16], char tod[24], bool ms)
{
    int64_t days = floordiv(us, 86400000000LL);
    int64_t rem = us - days * 86400000000LL;
    int64_t y;
    unsigned mo, d;
    tl_civil_from_days(days, &y, &mo, &d);
    snprintf(date, 16, "%04lld-%02u-%02u", (long long)y, mo, d);
    unsigned s = (unsigned)(rem / 1000000);
    if (ms)
        snprintf(tod, 24, "%02u:%02u:%02u.%03u", s / 3600, s / 60 % 60,
                 s % 60, (unsigned)(rem % 1000000 / 1000));
    else
        snprintf(tod, 24, "%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
}

static void put_offset(struct tl_out *o, bool tz_known, int off)
{
    if (!tz_known) {
        tl_out_puts(o, "local time of the log (UTC offset unknown)");
        return;
    }
    int a = off < 0 ? -off : off;
    tl_out_printf(o, "UTC%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
}

static void put_duration(struct tl_out *o, int64_t us)
{
    if (us < 0)
        us = 0;
    if (us < 60000000) {
        tl_out_printf(o, "%.3f s", (double)us / 1e6);
        return;
    }
    uint64_t s = (uint64_t)(us / 1000000);
    if (s < 3600)
        tl_out_printf(o, "%llu min %llu s", (unsigned long long)(s / 60),
                      (unsigned long long)(s % 60));
    else if (s < 86400)
        tl_out_printf(o, "%llu h %llu min", (unsigned long long)(s / 3600),
                      (unsigned long long)(s / 60 % 60));
    else
        tl_out_printf(o, "%llu d %llu h", (unsigned long long)(s / 86400),
                      (unsigned long long)(s / 3600 % 24));
}

/* The time cell: time of day, the date above it, the full timestamp and
 * source in the tooltip. */
static void time_cell(struct tl_out *o, const struct tl_event *ev,
                      const char *cls)
{
    char ts[48], iso[48];
    tl_out_puts(o, "<td class=\"");
    tl_out_puts(o, cls);
    tl_out_putc(o, '"');
    if (!ev->has_time || !tl_event_format_time(ev, ts)) {
        tl_out_puts(o, ">(no time)</td>");
        return;
    }
    tl_event_format_iso(ev, iso);
    tl_out_puts(o, " title=\"");
    tl_out_puts(o, iso);
    if (ev->input) {
        tl_out_puts(o, " \xc2\xb7 ");
        escz(o, ev->input, 300);
        tl_out_putc(o, ':');
        tl_out_u64(o, ev->line);
    }
    tl_out_puts(o, "\"><span class=\"d\">");
    char *sp = strchr(ts, ' ');
    if (sp) {
        tl_out_write(o, ts, (size_t)(sp - ts));
        tl_out_puts(o, "</span>");
        /* drop the +HHMM suffix from the visible part */
        char *end = sp + 1 + strcspn(sp + 1, "+-");
        tl_out_write(o, sp + 1, (size_t)(end - sp - 1));
    } else {
        tl_out_puts(o, "</span>");
        tl_out_puts(o, ts);
    }
    tl_out_puts(o, "</td>");
}

/* ---- open ---------------------------------------------------------------- */

static void *html_open(struct tl_out *o, const struct tl_render_opts *opts)
{
    struct html *h = tl_xcalloc(1, sizeof(*h));
    char css_h[64], js_h[64];
    h->o = o;
    h->opts = *opts;
    h->title = opts->title && opts->title[0] ? opts->title
                                             : "trustline report";
    csp_hash(page_css, css_h);
    csp_hash(page_js, js_h);

    tl_out_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n");
    tl_out_printf(o, "<meta http-equiv=\"Content-Security-Policy\" "
                  "content=\"default-src 'none'; style-src %s; "
                  "script-src %s; img-src 'none'; base-uri 'none'; "
                  "form-action 'none'\">\n", css_h, js_h);
    tl_out_puts(o, "<meta name=\"referrer\" content=\"no-referrer\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"trustline\">\n"
                   "<title>");
    escz(o, h->title, 500);
    tl_out_puts(o, "</title>\n<style>");
    for (size_t i = 0; page_css[i]; i++)
        tl_out_puts(o, page_css[i]);
    tl_out_puts(o, "</style>\n</head>\n<body>\n<div class=\"wrap\">\n"
                   "<section class=\"card events o4\" id=\"events\">\n"
                   "<div class=\"head\"><h2>Events</h2></div>\n"
                   "<div class=\"tblbox\">\n<table class=\"ev\" id=\"evt\">\n"
                   "<thead><tr><th class=\"c-time\">Time</th>"
                   "<th class=\"c-lvl\">Level</th><th>Rule</th>"
                   "<th>Process</th><th>Message</th>"
                   "<th class=\"c-ep\">Episode</th></tr></thead>\n");
    tl_out_eor(o);
    return h;
}

/* ---- rows ---------------------------------------------------------------- */

static void badge(struct tl_out *o, enum tl_level l)
{
    static const char *const b[TL_LEVEL__COUNT] = {
        "<span class=\"lv lv-0\">info</span>",
        "<span class=\"lv lv-1\">low</span>",
        "<span class=\"lv lv-2\">medium</span>",
        "<span class=\"lv lv-3\">high</span>",
        "<span class=\"lv lv-4\">critical</span>",
    };
    tl_out_puts(o, b[lvl(l)]);
}

static void rule_cell(struct tl_out *o, const struct tl_rule_info *in)
{
    tl_out_puts(o, "<td class=\"c-rule\" title=\"");
    escz(o, in->title, 1000);
    if (in->id) {
        tl_out_puts(o, " (");
        escz(o, in->id, 100);
        tl_out_putc(o, ')');
    }
    tl_out_puts(o, "\">");
    escz(o, rule_name(in), 300);
    tl_out_puts(o, "</td>");
}

/* One event row. ep: the episode it is shown in (0: standalone). */
static void hit_row(struct html *h, const struct tl_hit *hit, uint64_t ep,
                    bool again)
{
    struct tl_out *o = h->o;
    const struct tl_event *ev = &hit->ev;
    tl_out_puts(o, ep ? (again ? "<tr class=\"ev in again\" data-seq=\""
                               : "<tr class=\"ev in\" data-seq=\"")
                      : "<tr class=\"ev\" data-seq=\"");
    tl_out_u64(o, hit->seq);
    tl_out_write(o, "\">", 2);
    time_cell(o, ev, "c-time");
    tl_out_puts(o, "<td class=\"c-lvl\">");
    badge(o, hit->info->level);
    tl_out_puts(o, "</td>");
    rule_cell(o, hit->info);

    tl_out_puts(o, "<td class=\"c-proc\"");
    if (tl_event_has(ev, TL_F_PROCESS_IMAGE_PATH)) {
        tl_out_puts(o, " title=\"");
        esc(o, ev->str[TL_F_PROCESS_IMAGE_PATH].p,
            ev->str[TL_F_PROCESS_IMAGE_PATH].n, 1000);
        tl_out_putc(o, '"');
    }
    tl_out_putc(o, '>');
    if (tl_event_has(ev, TL_F_PROCESS))
        esc(o, ev->str[TL_F_PROCESS].p, ev->str[TL_F_PROCESS].n, 200);
    else
        tl_out_puts(o, "?");
    if (tl_event_has(ev, TL_F_PROCESS_ID)) {
        tl_out_putc(o, '[');
        tl_out_u64(o, ev->num[TL_F_PROCESS_ID]);
        tl_out_putc(o, ']');
    }
    tl_out_puts(o, "</td>");

    tl_out_puts(o, "<td><div class=\"msg\">");
    struct tl_str m = tl_render_hit_text(hit);
    esc(o, m.p, m.n, HTML_MSG_MAX);
    tl_out_puts(o, "</div>");
    for (size_t i = 0; i < hit->n_fields; i++) {
        tl_out_puts(o, "<span class=\"kv\"><i>");
        escz(o, hit->fields[i].name, 100);
        tl_out_puts(o, "=</i>");
        esc(o, hit->fields[i].value.p, hit->fields[i].value.n,
            HTML_FIELD_MAX);
        tl_out_puts(o, "</span>");
    }
    tl_out_puts(o, "</td><td class=\"c-ep\">");
    if (ep) {
        tl_out_puts(o, "<a href=\"#ep-");
        tl_out_u64(o, ep);
        tl_out_puts(o, "\">#");
        tl_out_u64(o, ep);
        tl_out_puts(o, "</a>");
    } else
        tl_out_puts(o, "\xe2\x80\x94");
    tl_out_puts(o, "</td></tr>\n");
}

static void html_hit(void *st, const struct tl_hit *hit)
{
    struct html *h = st;
    struct tl_out *o = h->o;
    if (hit->info->level < h->opts.min_level) {
        h->below++;
        return;
    }
    unsigned l = lvl(hit->info->level);
    uint32_t ri = rule_idx(h, hit->info);
    h->r[ri].hits++;
    h->shown_hits++;
    h->lvl_hits[l]++;
    if (hit->ev.has_time) {
        note_time(h, hit->ev.time_us, hit->ev.tz_known,
                  hit->ev.tz_offset_min);
        if (h->npts < HTML_MAX_POINTS) {
            tl_xgrow((void **)&h->pts, &h->cappts, h->npts + 1,
                     sizeof(*h->pts));
            struct pt_hit *p = &h->pts[h->npts++];
            struct tl_str m = tl_render_hit_text(hit);
            p->seq = hit->seq;
            p->t = hit->ev.time_us;
            p->rule = ri;
            p->level = (uint8_t)l;
            p->claimed = false;
            p->text = keep(m.p, m.n, HTML_TEXT_MAX);
            h->r[ri].lane_hits++;
        } else {
            h->pts_over++;
        }
    }
    tl_out_puts(o, "<tbody class=\"hit\" id=\"h-");
    tl_out_u64(o, hit->seq);
    tl_out_puts(o, "\" data-lv=\"");
    tl_out_u64(o, l);
    tl_out_puts(o, "\" data-r=\"");
    tl_out_u64(o, ri);
    tl_out_puts(o, "\" data-n=\"1\"");
    if (hit->episode) {
        tl_out_puts(o, " data-ep=\"");
        tl_out_u64(o, hit->episode);
        tl_out_putc(o, '"');
    }
    tl_out_puts(o, ">\n");
    hit_row(h, hit, hit->episode, false);
    tl_out_puts(o, "</tbody>\n");
    tl_out_eor(o);
}

/* Live mode: the standalone marks of the episode's hits become its bar. */
static void claim_points(struct html *h, const struct tl_episode *ep)
{
    for (size_t i = 0; i < ep->n_hits; i++) {
        uint64_t seq = ep->hits[i]->seq;
        size_t lo = 0, hi = h->npts;
        while (lo < hi) {       /* points are in arrival (seq) order */
            size_t mid = lo + (hi - lo) / 2;
            if (h->pts[mid].seq < seq)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < h->npts && h->pts[lo].seq == seq && !h->pts[lo].claimed) {
            h->pts[lo].claimed = true;
            h->r[h->pts[lo].rule].lane_hits--;
        }
    }
}

static void html_episode(void *st, const struct tl_episode *ep)
{
    struct html *h = st;
    struct tl_out *o = h->o;
    if (ep->level < h->opts.min_level) {
        h->below++;
        return;
    }
    unsigned l = lvl(ep->level);
    uint32_t ri = rule_idx(h, ep->info);
    h->r[ri].eps++;
    if (ep->level > h->r[ri].max)
        h->r[ri].max = ep->level;
    h->shown_eps++;
    h->lvl_eps[l]++;
    note_time(h, ep->start_us, ep->tz_known, ep->tz_offset_min);
    note_time(h, ep->end_us, ep->tz_known, ep->tz_offset_min);
    if (h->opts.live)
        claim_points(h, ep);
    if (h->neps < HTML_MAX_EPISODES) {
        tl_xgrow((void **)&h->eps, &h->capeps, h->neps + 1, sizeof(*h->eps));
        struct pt_ep *p = &h->eps[h->neps++];
        p->id = ep->id;
        p->s = ep->start_us;
        p->e = ep->end_us < ep->start_us ? ep->start_us : ep->end_us;
        p->rule = ri;
        p->level = (uint8_t)l;
        p->n_hits = ep->n_hits + (size_t)ep->hits_dropped;
        p->title = keep(ep->title, ep->title ? strlen(ep->title) : 0,
                        HTML_TITLE_MAX);
        p->verdict = keep(ep->verdict, ep->verdict ? strlen(ep->verdict) : 0,
                          HTML_VERDICT_MAX);
        h->r[ri].lane_eps++;
    } else {
        h->eps_over++;
    }

    /* the rules of the episode, for the rule filter */
    uint32_t *rs = tl_xmalloc((ep->n_hits + 1) * sizeof(*rs));
    size_t nrs = 0;
    rs[nrs++] = ri;
    for (size_t i = 0; i < ep->n_hits; i++) {
        uint32_t x = rule_idx(h, ep->hits[i]->info);
        if (!h->opts.live) {
            h->r[x].hits++;
            h->lvl_hits[lvl(ep->hits[i]->info->level)]++;
        }
        bool seen = false;
        for (size_t j = 0; j < nrs && !seen; j++)
            seen = rs[j] == x;
        if (!seen)
            rs[nrs++] = x;
    }
    size_t n_rows = h->opts.live ? 0 : ep->n_hits;
    h->shown_ep_hits += n_rows;

    tl_out_printf(o, "<tbody class=\"ep e%u\" id=\"ep-%llu\" data-lv=\"%u\" "
                  "data-ep=\"%llu\" data-n=\"%zu\" data-r=\"",
                  l, (unsigned long long)ep->id, l,
                  (unsigned long long)ep->id, n_rows);
    for (size_t i = 0; i < nrs; i++) {
        if (i)
            tl_out_putc(o, ' ');
        tl_out_u64(o, rs[i]);
    }
    free(rs);
    tl_out_puts(o, "\">\n<tr class=\"ep-head\">");

    struct tl_event tev;
    memset(&tev, 0, sizeof(tev));
    tev.has_time = true;
    tev.tz_known = ep->tz_known;
    tev.tz_offset_min = ep->tz_offset_min;
    tev.time_digits = 6;
    tev.time_us = ep->start_us;
    time_cell(o, &tev, "c-time");
    tl_out_puts(o, "<td class=\"c-lvl\">");
    badge(o, ep->level);
    tl_out_puts(o, "</td>");
    rule_cell(o, ep->info);
    tl_out_printf(o, "<td colspan=\"2\"><div class=\"ep-title\">"
                  "Episode %llu: ", (unsigned long long)ep->id);
    if (ep->title)
        escz(o, ep->title, 2000);
    else
        escz(o, ep->info->title, 2000);
    tl_out_puts(o, "</div>");
    if (ep->verdict && ep->verdict[0]) {
        tl_out_puts(o, "<div class=\"verdict\">");
        escz(o, ep->verdict, 4000);
        tl_out_puts(o, "</div>");
    }
    if (ep->n_keys) {
        tl_out_puts(o, "<div>");
        for (size_t i = 0; i < ep->n_keys; i++) {
            tl_out_puts(o, "<span class=\"kv\"><i>");
            escz(o, ep->keys[i].name, 100);
            tl_out_puts(o, "=</i>");
            esc(o, ep->keys[i].value.p, ep->keys[i].value.n,
                HTML_FIELD_MAX);
            tl_out_puts(o, "</span>");
        }
        tl_out_puts(o, "</div>");
    }
    uint64_t nev = ep->n_hits + ep->hits_dropped;
    tl_out_puts(o, "<div class=\"meta\">");
    put_count(o, nev);
    tl_out_printf(o, " event%s", nev == 1 ? "" : "s");
    if (ep->hits_dropped) {
        tl_out_puts(o, " (");
        put_count(o, ep->hits_dropped);
        tl_out_puts(o, " not kept)");
    }
    tl_out_puts(o, " \xc2\xb7 ");
    put_duration(o, ep->end_us - ep->start_us);
    if (ep->closed_by) {
        tl_out_puts(o, " \xc2\xb7 closed by ");
        escz(o, ep->closed_by, 100);
    }
    if (h->opts.live)
        tl_out_puts(o, " \xc2\xb7 its events are also listed above, "
                       "as they arrived");
    tl_out_puts(o, "</div></td>");
    tl_out_printf(o, "<td class=\"c-ep\"><a href=\"#ep-%llu\">#%llu</a>"
                  "</td></tr>\n",
                  (unsigned long long)ep->id, (unsigned long long)ep->id);
    for (size_t i = 0; i < ep->n_hits; i++)
        hit_row(h, ep->hits[i], ep->id, h->opts.live);
    tl_out_puts(o, "</tbody>\n");
    tl_out_eor(o);
}

/* ---- the timeline ----------------------------------------------------- */

#define SVG_W 1200
#define SVG_LABEL_X 14
#define SVG_X0 250
#define SVG_X1 1180
#define SVG_TOP 44
#define SVG_LANE_H 24
#define SVG_GROUP_H 24

static int lane_cmp(const void *a, const void *b)
{
    const struct lane *x = a, *y = b;
    if (x->rule == UINT32_MAX || y->rule == UINT32_MAX)
        return (x->rule == UINT32_MAX) - (y->rule == UINT32_MAX);
    if (x->max != y->max)
        return x->max > y->max ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Lanes of one group: rules with marks, most severe first; beyond
 * HTML_MAX_LANES one shared "other rules" lane. Returns the count. */
static size_t make_lanes(struct html *h, bool ep, struct lane **out)
{
    struct lane *l = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < h->nr; i++) {
        uint64_t c = ep ? h->r[i].lane_eps : h->r[i].lane_hits;
        if (!c)
            continue;
        tl_xgrow((void **)&l, &cap, n + 1, sizeof(*l));
        enum tl_level mx = h->r[i].info->level;
        if (ep) {
            mx = TL_LEVEL_INFORMATIONAL;
            for (size_t k = 0; k < h->neps; k++)
                if (h->eps[k].rule == i && h->eps[k].level > mx)
                    mx = (enum tl_level)h->eps[k].level;
        }
        l[n].rule = (uint32_t)i;
        l[n].ep = ep;
        l[n].max = mx;
        l[n].n = c;
        n++;
    }
    if (n > 1)
        qsort(l, n, sizeof(*l), lane_cmp);
    if (n > HTML_MAX_LANES) {
        struct lane other = {UINT32_MAX, ep, TL_LEVEL_INFORMATIONAL, 0};
        for (size_t i = HTML_MAX_LANES - 1; i < n; i++)
            other.n += l[i].n;
        n = HTML_MAX_LANES;
        l[n - 1] = other;
    }
    for (size_t i = 0; i < n; i++) {
        if (l[i].rule == UINT32_MAX)
            continue;
        if (ep)
            h->r[l[i].rule].lane_ep = (int)i;
        else
            h->r[l[i].rule].lane_hit = (int)i;
    }
    /* rules past the cap use the last lane */
    for (size_t i = 0; i < h->nr; i++) {
        uint64_t c = ep ? h->r[i].lane_eps : h->r[i].lane_hits;
        int *li = ep ? &h->r[i].lane_ep : &h->r[i].lane_hit;
        if (c && *li < 0)
            *li = (int)n - 1;
    }
    *out = l;
    return n;
}

struct axis {
    int64_t a, b;   /* domain, UTC microseconds */
    int64_t off;    /* display offset */
};

static double xpos(const struct axis *ax, int64_t t)
{
    double f = (double)(t - ax->a) / (double)(ax->b - ax->a);
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    return SVG_X0 + f * (SVG_X1 - SVG_X0);
}

static void lane_label(struct tl_out *o, struct html *h, const struct lane *l,
                       double y)
{
    tl_out_printf(o, "<g><title>");
    if (l->rule == UINT32_MAX) {
        tl_out_puts(o, "other rules");
    } else {
        const struct tl_rule_info *in = h->r[l->rule].info;
        escz(o, rule_name(in), 500);
        if (in->name) {
            tl_out_puts(o, "\n");
            escz(o, in->title, 500);
        }
    }
    tl_out_printf(o, " (%llu)</title><text class=\"lname\" x=\"%d\" "
                  "y=\"%.1f\">", (unsigned long long)l->n, SVG_LABEL_X,
                  y + SVG_LANE_H / 2.0 + 4);
    if (l->rule == UINT32_MAX)
        tl_out_puts(o, "other rules");
    else
        escz(o, rule_name(h->r[l->rule].info), HTML_LABEL_MAX);
    tl_out_puts(o, "</text></g>\n");
}

static void tick_step(int64_t span, int64_t *step, int *fmt)
{
    static const struct {
        int64_t us;
        int fmt; /* 0: hh:mm:ss.mmm 1: hh:mm:ss 2: hh:mm 3: date */
    } steps[] = {
        {1000, 0}, {2000, 0}, {5000, 0}, {10000, 0}, {20000, 0},
        {50000, 0}, {100000, 0}, {200000, 0}, {500000, 0},
        {1000000LL, 1}, {2000000LL, 1}, {5000000LL, 1}, {10000000LL, 1},
        {15000000LL, 1}, {30000000LL, 1}, {60000000LL, 2},
        {120000000LL, 2}, {300000000LL, 2}, {600000000LL, 2},
        {900000000LL, 2}, {1800000000LL, 2}, {3600000000LL, 2},
        {7200000000LL, 2}, {10800000000LL, 2}, {21600000000LL, 2},
        {43200000000LL, 2}, {86400000000LL, 3}, {172800000000LL, 3},
        {604800000000LL, 3}, {2592000000000LL, 3}, {7776000000000LL, 3},
        {31536000000000LL, 3},
    };
    for (size_t i = 0; i < TL_ARRAY_LEN(steps); i++)
        if (span / steps[i].us <= 8) {
            *step = steps[i].us;
            *fmt = steps[i].fmt;
            return;
        }
    *step = span / 8 > 0 ? span / 8 : 1;
    *fmt = 3;
}

static void axis_draw(struct tl_out *o, const struct axis *ax, double y0,
                      double y1)
{
    int64_t step;
    int fmt;
    tick_step(ax->b - ax->a, &step, &fmt);
    int64_t la = ax->a + ax->off, lb = ax->b + ax->off;
    int64_t t = floordiv(la, step) * step;
    if (t < la)
        t += step;
    char prev_date[16] = "";
    tl_out_printf(o, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
                  "y2=\"%.1f\"/>\n", SVG_X0, y0 - 0.5, SVG_X1, y0 - 0.5);
    for (int k = 0; t <= lb && k < 64; t += step, k++) {
        double x = xpos(ax, t - ax->off);
        char date[16], tod[24];
        split_time(t, date, tod, fmt == 0);
        if (fmt == 2)
            tod[5] = '\0';
        tl_out_printf(o, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
                      "x2=\"%.1f\" y2=\"%.1f\"/>", x, y0, x, y1);
        if (fmt == 3) {
            tl_out_printf(o, "<text x=\"%.1f\" y=\"%.1f\" "
                          "text-anchor=\"middle\">%s</text>\n", x, y0 - 8,
                          date);
            continue;
        }
        tl_out_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                      "%s</text>", x, y0 - 8, tod);
        if (strcmp(date, prev_date) != 0) {
            tl_out_printf(o, "<text x=\"%.1f\" y=\"%.1f\" "
                          "text-anchor=\"middle\" class=\"grp\">%s</text>",
                          x, y0 - 24, date);
            memcpy(prev_date, date, sizeof(prev_date));
        }
        tl_out_putc(o, '\n');
    }
}

static void svg_time(struct tl_out *o, const struct html *h, int64_t us)
{
    char date[16], tod[24];
    split_time(us + disp_off(h), date, tod, true);
    tl_out_printf(o, "%s %s", date, tod);
}

/* Standalone events closer than SVG_DOT_MERGE units in one lane share one
 * dot (with the highest level among them and a count in its tooltip):
 * thousands of overlapping dots would hide each other and slow the page.
 * lead[i]: the point whose dot shows point i; more[i]: the points a dot
 * stands for beyond its own; lv[i]: its level. Returns the dots. */
#define SVG_DOT_MERGE 6.0
static size_t merge_dots(const struct html *h, const struct axis *ax,
                         size_t *lead, uint32_t *more, uint8_t *lv)
{
    size_t last[HTML_MAX_LANES], n = 0;
    double last_x[HTML_MAX_LANES];
    for (size_t l = 0; l < HTML_MAX_LANES; l++)
        last[l] = SIZE_MAX;
    for (size_t i = 0; i < h->npts; i++) {
        const struct pt_hit *p = &h->pts[i];
        lead[i] = SIZE_MAX;
        more[i] = 0;
        lv[i] = p->level;
        if (p->claimed)
            continue;
        size_t li = (size_t)h->r[p->rule].lane_hit;
        double x = xpos(ax, p->t);
        if (last[li] != SIZE_MAX && x - last_x[li] < SVG_DOT_MERGE &&
            last_x[li] - x < SVG_DOT_MERGE) {
            size_t k = last[li];
            lead[i] = k;
            more[k]++;
            if (p->level > lv[k])
                lv[k] = p->level;
            continue;
        }
        lead[i] = i;
        last[li] = i;
        last_x[li] = x;
        n++;
    }
    return n;
}

static void timeline(struct html *h)
{
    struct tl_out *o = h->o;
    struct lane *le = NULL, *lh = NULL;
    size_t nle = make_lanes(h, true, &le);
    size_t nlh = make_lanes(h, false, &lh);

    /* the domain over what is drawn */
    bool any = false;
    struct axis ax = {0, 0, disp_off(h)};
    for (size_t i = 0; i < h->neps; i++) {
        if (!any || h->eps[i].s < ax.a)
            ax.a = h->eps[i].s;
        if (!any || h->eps[i].e > ax.b)
            ax.b = h->eps[i].e;
        any = true;
    }
    for (size_t i = 0; i < h->npts; i++) {
        if (h->pts[i].claimed)
            continue;
        if (!any || h->pts[i].t < ax.a)
            ax.a = h->pts[i].t;
        if (!any || h->pts[i].t > ax.b)
            ax.b = h->pts[i].t;
        any = true;
    }
    int64_t span = ax.b - ax.a;
    if (span < 1000000) {
        int64_t mid = ax.a + span / 2;
        ax.a = mid - 1000000;
        ax.b = mid + 1000000;
    } else {
        ax.a -= span / 40;
        ax.b += span / 40;
    }

    tl_out_puts(o, "<section class=\"card o2\" id=\"timeline\">\n"
                   "<h2>Timeline</h2>\n<div class=\"legend\">");
    for (int l = TL_LEVEL__COUNT - 1; l >= 0; l--)
        tl_out_printf(o, "<span><i class=\"sw%d\"></i>%s</span>", l,
                      level_name[l]);
    tl_out_puts(o, "<span>bars: episodes (start to end) \xc2\xb7 "
                   "dots: events not in an episode \xc2\xb7 times in ");
    put_offset(o, h->tz_known, h->tz_off);
    tl_out_puts(o, "</span></div>\n<div class=\"tlbox\">\n");

    double y = SVG_TOP;
    double height = SVG_TOP + 12 +
                    (nle ? SVG_GROUP_H + (double)nle * SVG_LANE_H : 0) +
                    (nlh ? SVG_GROUP_H + (double)nlh * SVG_LANE_H : 0);
    if (!nle && !nlh)
        height = SVG_TOP + 60;
    size_t *lead = tl_xmalloc((h->npts + 1) * sizeof(*lead));
    uint32_t *more = tl_xmalloc((h->npts + 1) * sizeof(*more));
    uint8_t *dlv = tl_xmalloc(h->npts + 1);
    size_t ndots = merge_dots(h, &ax, lead, more, dlv);
    tl_out_printf(o, "<svg id=\"tl\" viewBox=\"0 0 %d %.0f\" "
                  "aria-label=\"Timeline of episodes and events\" "
                  "data-bars=\"%zu\" data-dots=\"%zu\">\n", SVG_W, height,
                  h->neps, ndots);
    if (!nle && !nlh) {
        tl_out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
                      "No timed events to show.</text>\n</svg>\n",
                      SVG_W / 2, SVG_TOP + 20);
        goto notes;
    }
    axis_draw(o, &ax, SVG_TOP, height - 12);

    for (int g = 0; g < 2; g++) {
        bool ep = g == 0;
        struct lane *ls = ep ? le : lh;
        size_t n = ep ? nle : nlh;
        if (!n)
            continue;
        tl_out_printf(o, "<text class=\"grp\" x=\"%d\" y=\"%.1f\">%s</text>\n",
                      SVG_LABEL_X, y + 16,
                      ep ? "EPISODES" : "EVENTS NOT IN AN EPISODE");
        y += SVG_GROUP_H;
        double lane0 = y;
        for (size_t i = 0; i < n; i++) {
            double ly = y + (double)i * SVG_LANE_H;
            if (i % 2 == 0)
                tl_out_printf(o, "<rect class=\"lane\" x=\"0\" y=\"%.1f\" "
                              "width=\"%d\" height=\"%d\"/>", ly, SVG_W,
                              SVG_LANE_H);
            lane_label(o, h, &ls[i], ly);
        }
        if (ep) {
            for (size_t i = 0; i < h->neps; i++) {
                const struct pt_ep *p = &h->eps[i];
                int li = h->r[p->rule].lane_ep;
                double ly = lane0 + (double)li * SVG_LANE_H;
                double x0 = xpos(&ax, p->s), x1 = xpos(&ax, p->e);
                double w = x1 - x0 < 6 ? 6 : x1 - x0;
                if (x0 + w > SVG_X1 + 4)
                    x0 = SVG_X1 + 4 - w;
                tl_out_printf(o, "<a href=\"#ep-%llu\" data-ref=\"ep-%llu\" "
                              "data-lv=\"%u\"><title>Episode %llu \xc2\xb7 %s",
                              (unsigned long long)p->id,
                              (unsigned long long)p->id, p->level,
                              (unsigned long long)p->id,
                              level_name[p->level]);
                if (p->title) {
                    tl_out_putc(o, '\n');
                    escz(o, p->title, HTML_TITLE_MAX + 4);
                }
                if (p->verdict) {
                    tl_out_putc(o, '\n');
                    escz(o, p->verdict, HTML_VERDICT_MAX + 4);
                }
                tl_out_putc(o, '\n');
                svg_time(o, h, p->s);
                tl_out_puts(o, " \xe2\x80\x93 ");
                svg_time(o, h, p->e);
                tl_out_puts(o, " (");
                put_duration(o, p->e - p->s);
                tl_out_printf(o, ", %zu event%s)</title>", p->n_hits,
                              p->n_hits == 1 ? "" : "s");
                tl_out_printf(o, "<rect class=\"bar f%u\" x=\"%.1f\" "
                              "y=\"%.1f\" width=\"%.1f\" height=\"14\" "
                              "rx=\"3\"/>", p->level, x0, ly + 5, w);
                if (w >= 34)
                    tl_out_printf(o, "<text class=\"bl\" x=\"%.1f\" "
                                  "y=\"%.1f\">#%llu</text>", x0 + 5,
                                  ly + 15.5, (unsigned long long)p->id);
                tl_out_puts(o, "</a>\n");
            }
        } else {
            for (size_t i = 0; i < h->npts; i++) {
                const struct pt_hit *p = &h->pts[i];
                if (lead[i] != i)
                    continue;
                int li = h->r[p->rule].lane_hit;
                double ly = lane0 + (double)li * SVG_LANE_H;
                tl_out_printf(o, "<a href=\"#h-%llu\" data-ref=\"h-%llu\" "
                              "data-lv=\"%u\"><title>",
                              (unsigned long long)p->seq,
                              (unsigned long long)p->seq, dlv[i]);
                svg_time(o, h, p->t);
                tl_out_printf(o, " \xc2\xb7 %s \xc2\xb7 ",
                              level_name[p->level]);
                escz(o, rule_name(h->r[p->rule].info), 300);
                tl_out_putc(o, '\n');
                escz(o, p->text, HTML_TEXT_MAX + 4);
                if (more[i]) {
                    tl_out_puts(o, "\n(and ");
                    put_count(o, more[i]);
                    tl_out_printf(o, " more event%s close by)",
                                  more[i] == 1 ? "" : "s");
                }
                tl_out_printf(o, "</title><circle class=\"dot f%u\" "
                              "cx=\"%.1f\" cy=\"%.1f\" r=\"5\"/></a>\n",
                              dlv[i], xpos(&ax, p->t),
                              ly + SVG_LANE_H / 2.0);
            }
        }
        y += (double)n * SVG_LANE_H;
    }
    tl_out_puts(o, "</svg>\n");

notes:
    free(lead);
    free(more);
    free(dlv);
    tl_out_puts(o, "</div>\n");
    if (h->eps_over || h->pts_over) {
        tl_out_puts(o, "<p class=\"note warn\">The timeline shows the first ");
        put_count(o, HTML_MAX_EPISODES);
        tl_out_puts(o, " episodes and ");
        put_count(o, HTML_MAX_POINTS);
        tl_out_puts(o, " standalone events; ");
        put_count(o, h->eps_over);
        tl_out_puts(o, " more episodes and ");
        put_count(o, h->pts_over);
        tl_out_puts(o, " more events are listed in the table only.</p>\n");
    }
    if (h->opts.live)
        tl_out_puts(o, "<p class=\"note\">Live mode: events were written as "
                       "they arrived and episodes when they closed.</p>\n");
    tl_out_puts(o, "</section>\n");
    free(le);
    free(lh);
}

/* ---- header, filters, summary -------------------------------------------- */

static void header(struct html *h, const struct tl_summary *s)
{
    struct tl_out *o = h->o;
    tl_out_puts(o, "<header class=\"card o1\" id=\"top\">\n"
                   "<div class=\"brand\">trustline \xc2\xb7 macOS security "
                   "event timeline</div>\n<h1>");
    escz(o, h->title, 500);
    tl_out_puts(o, "</h1>\n<p class=\"span\">");
    if (h->any_time) {
        char d0[16], t0[24], d1[16], t1[24];
        split_time(h->first_us + disp_off(h), d0, t0, false);
        split_time(h->last_us + disp_off(h), d1, t1, false);
        tl_out_printf(o, "%s %s \xe2\x80\x93 ", d0, t0);
        if (strcmp(d0, d1) != 0)
            tl_out_printf(o, "%s ", d1);
        tl_out_printf(o, "%s (", t1);
        put_offset(o, h->tz_known, h->tz_off);
        tl_out_puts(o, "), ");
        put_duration(o, h->last_us - h->first_us);
    } else {
        tl_out_puts(o, "No timed events.");
    }
    if (s && s->n_inputs) {
        tl_out_puts(o, " \xc2\xb7 input: ");
        for (size_t i = 0; i < s->n_inputs && i < 20; i++) {
            if (i)
                tl_out_puts(o, ", ");
            escz(o, s->inputs[i], 300);
        }
        if (s->n_inputs > 20)
            tl_out_printf(o, " and %zu more", s->n_inputs - 20);
    }
    tl_out_puts(o, "</p>\n<div class=\"stats\">\n");

    /* episodes */
    tl_out_puts(o, "<div class=\"stat\"><span class=\"n\">");
    put_count(o, h->shown_eps);
    tl_out_puts(o, "</span><span class=\"l\">Episodes</span>"
                   "<div class=\"chips\">");
    for (int l = TL_LEVEL__COUNT - 1; l >= 0; l--)
        if (h->lvl_eps[l]) {
            tl_out_printf(o, "<span class=\"lv lv-%d\">", l);
            put_count(o, h->lvl_eps[l]);
            tl_out_printf(o, " %s</span>", level_short[l]);
        }
    tl_out_puts(o, "</div></div>\n");

    /* events */
    uint64_t nev = h->shown_hits + h->shown_ep_hits;
    tl_out_puts(o, "<div class=\"stat\"><span class=\"n\">");
    put_count(o, nev);
    tl_out_puts(o, "</span><span class=\"l\">Matched events</span>"
                   "<div class=\"chips\">");
    for (int l = TL_LEVEL__COUNT - 1; l >= 0; l--)
        if (h->lvl_hits[l]) {
            tl_out_printf(o, "<span class=\"lv lv-%d\">", l);
            put_count(o, h->lvl_hits[l]);
            tl_out_printf(o, " %s</span>", level_short[l]);
        }
    tl_out_puts(o, "</div></div>\n");

    /* rules */
    size_t nrules = 0;
    for (size_t i = 0; i < h->nr; i++)
        nrules += h->r[i].hits || h->r[i].eps;
    tl_out_puts(o, "<div class=\"stat\"><span class=\"n\">");
    put_count(o, nrules);
    tl_out_puts(o, "</span><span class=\"l\">Rules matched</span>");
    if (s && s->n_rules_loaded) {
        tl_out_puts(o, "<div class=\"sub\">of ");
        put_count(o, s->n_rules_loaded);
        tl_out_puts(o, " loaded</div>");
    }
    tl_out_puts(o, "</div>\n");

    /* input */
    if (s && s->input) {
        tl_out_puts(o, "<div class=\"stat\"><span class=\"n\">");
        put_count(o, s->input->events);
        tl_out_puts(o, "</span><span class=\"l\">Log records read</span>"
                       "<div class=\"sub\">");
        put_count(o, s->input->lines);
        tl_out_puts(o, " lines</div></div>\n");
    }
    tl_out_puts(o, "</div>\n");
    if (h->opts.min_level > TL_LEVEL_INFORMATIONAL || h->below) {
        tl_out_printf(o, "<p class=\"note\">Showing level %s and above",
                      level_name[lvl(h->opts.min_level)]);
        if (h->below) {
            tl_out_puts(o, "; ");
            put_count(o, h->below);
            tl_out_puts(o, " lower-level events and episodes left out");
        }
        tl_out_puts(o, ".</p>\n");
    }
    tl_out_puts(o, "</header>\n");
}

struct ord {
    uint32_t idx;
    enum tl_level max;
    const char *name;
};

static int ord_cmp(const void *a, const void *b)
{
    const struct ord *x = a, *y = b;
    if (x->max != y->max)
        return x->max > y->max ? -1 : 1;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static void filters(struct html *h)
{
    struct tl_out *o = h->o;
    tl_out_puts(o, "<form class=\"card filters o3\" id=\"flt\" hidden "
                   "autocomplete=\"off\">\n"
                   "<label for=\"f-level\">Level <select id=\"f-level\">"
                   "<option value=\"\">all</option>");
    for (int l = 1; l < TL_LEVEL__COUNT; l++)
        tl_out_printf(o, "<option value=\"%d\">%s%s</option>", l,
                      level_name[l], l < TL_LEVEL__COUNT - 1 ? " and up" : "");
    tl_out_puts(o, "</select></label>\n<label for=\"f-rule\">Rule "
                   "<select id=\"f-rule\"><option value=\"\">all rules"
                   "</option>");
    struct ord *ord = tl_xmalloc((h->nr + 1) * sizeof(*ord));
    for (size_t i = 0; i < h->nr; i++) {
        ord[i].idx = (uint32_t)i;
        ord[i].max = h->r[i].max;
        ord[i].name = rule_name(h->r[i].info);
    }
    if (h->nr > 1)
        qsort(ord, h->nr, sizeof(*ord), ord_cmp);
    for (size_t i = 0; i < h->nr; i++) {
        const struct rinfo *ri = &h->r[ord[i].idx];
        tl_out_printf(o, "<option value=\"%u\" data-name=\"", ord[i].idx);
        escz(o, rule_name(ri->info), 1000);
        tl_out_puts(o, "\">");
        escz(o, rule_name(ri->info), 80);
        tl_out_printf(o, " (%s)</option>", level_short[lvl(ri->max)]);
    }
    free(ord);
    tl_out_puts(o, "</select></label>\n<label for=\"f-ep\">Episode "
                   "<select id=\"f-ep\"><option value=\"\">all</option>");
    for (size_t i = 0; i < h->neps; i++) {
        const struct pt_ep *p = &h->eps[i];
        tl_out_printf(o, "<option value=\"%llu\">#%llu ",
                      (unsigned long long)p->id, (unsigned long long)p->id);
        if (p->title)
            escz(o, p->title, 70);
        tl_out_puts(o, "</option>");
    }
    tl_out_puts(o, "</select></label>\n<label for=\"f-q\">Text "
                   "<input type=\"search\" id=\"f-q\" "
                   "placeholder=\"process, path, team ID\xe2\x80\xa6\">"
                   "</label>\n<button type=\"button\" id=\"f-reset\">Reset"
                   "</button><button type=\"button\" id=\"f-fold\">Collapse "
                   "episodes</button>\n<span class=\"count\" id=\"f-count\">"
                   "</span>\n<span class=\"note warn\" id=\"f-none\" hidden>"
                   "No events match these filters.</span>\n</form>\n");
}

static void stat_row(struct tl_out *o, const char *k, uint64_t v)
{
    tl_out_printf(o, "<tr><td>%s</td><td class=\"num\">", k);
    put_count(o, v);
    tl_out_puts(o, "</td></tr>\n");
}

static void summary_section(struct html *h, const struct tl_summary *s)
{
    struct tl_out *o = h->o;
    const struct tl_timeline_stats *ts = s->tl;
    tl_out_puts(o, "<section class=\"card o5\" id=\"summary\">\n"
                   "<h2>Summary</h2>\n<div class=\"grid2\">\n<div>\n"
                   "<h3>Matched events per rule</h3>\n"
                   "<table class=\"mini\"><thead><tr><th>Level</th>"
                   "<th class=\"num\">Events</th><th>Rule</th></tr>"
                   "</thead><tbody>\n");
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct tl_rule_info *in = s->rules[i].info;
        tl_out_puts(o, "<tr><td>");
        badge(o, in->level);
        tl_out_puts(o, "</td><td class=\"num\">");
        put_count(o, s->rules[i].hits);
        tl_out_puts(o, "</td><td><b>");
        escz(o, rule_name(in), 300);
        tl_out_puts(o, "</b>");
        if (in->name) {
            tl_out_puts(o, "<div class=\"sub\">");
            escz(o, in->title, 500);
            tl_out_puts(o, "</div>");
        }
        tl_out_puts(o, "</td></tr>\n");
    }
    if (!s->n_rules)
        tl_out_puts(o, "<tr><td colspan=\"3\" class=\"sub\">No rule "
                       "matched.</td></tr>\n");
    tl_out_puts(o, "</tbody></table>\n</div>\n<div>\n"
                   "<h3>By level</h3>\n<table class=\"mini\"><thead><tr>"
                   "<th>Level</th><th class=\"num\">Events</th>"
                   "<th class=\"num\">Episodes</th></tr></thead><tbody>\n");
    if (ts) {
        for (int l = TL_LEVEL__COUNT - 1; l >= 0; l--) {
            tl_out_puts(o, "<tr><td>");
            badge(o, (enum tl_level)l);
            tl_out_puts(o, "</td><td class=\"num\">");
            put_count(o, ts->per_level[l]);
            tl_out_puts(o, "</td><td class=\"num\">");
            put_count(o, ts->episodes_per_level[l]);
            tl_out_puts(o, "</td></tr>\n");
        }
    }
    tl_out_puts(o, "</tbody></table>\n<h3>Input and processing</h3>\n"
                   "<table class=\"mini\"><tbody>\n");
    if (s->n_inputs) {
        tl_out_puts(o, "<tr><td>Sources</td><td class=\"num\">");
        for (size_t i = 0; i < s->n_inputs && i < 20; i++) {
            if (i)
                tl_out_puts(o, "<br>");
            escz(o, s->inputs[i], 300);
        }
        if (s->n_inputs > 20)
            tl_out_printf(o, "<br>and %zu more", s->n_inputs - 20);
        tl_out_puts(o, "</td></tr>\n");
    }
    if (ts && ts->any_time) {
        char a[48], b[48];
        tl_render_iso(ts->first_us, true, a);
        tl_render_iso(ts->last_us, true, b);
        tl_out_printf(o, "<tr><td>Time span (UTC)</td><td class=\"num\">"
                      "%s<br>%s</td></tr>\n", a, b);
    }
    if (s->input) {
        const struct tl_stats *in = s->input;
        stat_row(o, "Bytes read", in->bytes);
        stat_row(o, "Lines", in->lines);
        stat_row(o, "Log records", in->events);
        stat_row(o, "Malformed lines", in->cls[TL_LC_MALFORMED]);
        stat_row(o, "Truncated lines", in->truncated_lines);
        stat_row(o, "Lines with invalid UTF-8", in->invalid_utf8_lines);
    }
    stat_row(o, "Rules loaded", s->n_rules_loaded);
    if (ts) {
        stat_row(o, "Matched events", ts->hits);
        stat_row(o, "Events in episodes", ts->hits_in_episodes);
        stat_row(o, "Episodes", ts->episodes);
        stat_row(o, "Events out of order (late)", ts->late_hits);
        stat_row(o, "Episodes closed early (cap)", ts->evicted_open);
        stat_row(o, "Episode events not kept (cap)",
                 ts->episode_hits_dropped);
    }
    stat_row(o, "Left out by filters", s->filtered);
    stat_row(o, "Regex limits reached", s->limit_hits);
    tl_out_puts(o, "</tbody></table>\n</div>\n</div>\n</section>\n");
}

/* Everything after the table; once. */
static void finish(struct html *h, const struct tl_summary *s)
{
    struct tl_out *o = h->o;
    if (h->finished)
        return;
    h->finished = true;
    if (h->shown_hits + h->shown_eps == 0)
        tl_out_puts(o, "<tbody class=\"empty\"><tr><td colspan=\"6\">"
                       "No matched events.</td></tr></tbody>\n");
    tl_out_puts(o, "</table>\n</div>\n</section>\n");
    header(h, s);
    timeline(h);
    filters(h);
    if (s)
        summary_section(h, s);
    tl_out_puts(o, "<footer class=\"o6\">Generated by trustline");
#ifdef TL_VERSION
    tl_out_puts(o, " " TL_VERSION);
#endif
    tl_out_puts(o, " from the macOS unified log. This file is "
                   "self-contained and loads nothing from the network."
                   "</footer>\n</div>\n<script>");
    for (size_t i = 0; page_js[i]; i++)
        tl_out_puts(o, page_js[i]);
    tl_out_puts(o, "</script>\n</body>\n</html>\n");
    tl_out_eor(o);
}

static void html_summary(void *st, const struct tl_summary *s)
{
    finish(st, s);
}

static void html_close(void *st)
{
    struct html *h = st;
    if (!h)
        return;
    finish(h, NULL);
    tl_out_flush(h->o);
    for (size_t i = 0; i < h->neps; i++) {
        free(h->eps[i].title);
        free(h->eps[i].verdict);
    }
    for (size_t i = 0; i < h->npts; i++)
        free(h->pts[i].text);
    free(h->eps);
    free(h->pts);
    free(h->r);
    free(h->rh);
    free(h);
}

const struct tl_render_ops tl_render_html = {
    "html", "one self-contained HTML page: timeline of episodes, "
            "filterable event table, summary",
    html_open, html_hit, html_episode, html_summary, html_close,
};
