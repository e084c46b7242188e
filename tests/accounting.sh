#!/bin/sh
# Nothing lost: line accounting, event counts, prefilter equivalence and
# planted incidents, over generated corpora in every style and over every
# sample.
#
#   make accounting    (TRUSTLINE=./trustline BUILD=build sh tests/accounting.sh)
#   make check         (the same with ACCOUNTING_MB=5)
#
# For each input:
#   - the --stats classes (event, continuation, preamble, header, trailer,
#     blank, malformed) sum to the `lines` count, and that equals what
#     `wc -l` gives, plus one when the file does not end in LF;
#   - `trustline parse` writes exactly as many events as `--stats` counts
#     records;
#   - `trustline scan -f ndjson` and the same with --no-prefilter give
#     identical output;
#   - with a manifest (tlgen --manifest, samples/*.manifest): every planted
#     incident appears in the timeline exactly once (see "Incidents" below).
#
# The corpora are made by tlgen (BUILD/bench/tlgen) in a temporary
# directory: ACCOUNTING_MB megabytes per style (default 20), seed 1, plus
# variants (no TTL column, --info --debug with the preamble, trailers in
# every text style, a final line without LF). Nothing generated is kept.
#
# Incidents. Each manifest line is mapped to one "anchor" event, a matched
# event only that incident writes, identified by rule and a manifest key:
#
#   kind                    anchor rule                       manifest key
#   expired-cert-migration  gk_evaluate_scan_result           path_hash
#   notarized-first-launch  gk_evaluate_scan_result           path_hash
#   gatekeeper-rejection    gk_evaluate_scan_result           path_hash
#   xprotect-malware        gk_evaluate_scan_result           path_hash
#   amfi-unsigned-kill      amfi_unsigned_code_killed         pid
#   amfi-adhoc-rejected     kernel_load_code_signature_error  pid
#   bsi-install             bsi_installed                     pid (process.pid)
#   bsi-rollback-failed     bsi_rollback_failed               pid (process.pid)
#   bsi-install-failed      bsi_operation_failed              pid (process.pid)
#
# (Every Gatekeeper story writes exactly one `GK evaluateScanResult` line
# with its path hash, in every style; the termination and first-launch
# lines carry no path hash and join by thread, which syslog lacks.)
#
# An app's path hash is not unique (the same app can be planted twice), so
# path_hash and responsible_path anchors are paired in time order: the
# k-th incident with that key gets the k-th anchor event with it; their
# counts must be equal. Then, per incident: the anchor event is inside an
# episode (not standalone); that episode record is written exactly once;
# it is of the expected correlation rule (gk_assessment_episode,
# amfi_block_episode, bsi_episode) and carries the incident's group key
# (path_hash; executable = the file name of path; process); and, for the
# kinds with a pid of their own, every matched event carrying that pid
# (field pid or process.pid) is in that same episode (the incident is not
# split). Two incidents may share an episode: the episode rules group by
# key over a timespan (2 min per path hash, 1 min per executable, 30 min
# per BSI process), so planted incidents that close in time are one story;
# that is not a loss. Finally every episode must contain at least one
# incident's anchor (no episode made of background noise).
#
# Partly mapped: expired-cert-migration and notarized-first-launch have
# no pid of their own in any matched event (app_pid only appears in
# runningboardd lines that no rule matches; pid is syspolicyd's, shared by
# all), so the "not split" check does not apply to them; the anchor and
# episode checks do. In the syslog style (no thread ids) syspolicyd's
# lines without a path hash (termination, prompt, eval result) cannot
# link and stay standalone, as rules/macos/episodes.yml says; there a
# standalone event with the incident's pid is accepted, but one inside
# another episode is still a failure.
#
# Prints "accounting: N passed, N failed"; exits 1 on failure.
set -u
LC_ALL=C
export LC_ALL
TL=${TRUSTLINE:-./trustline}
case $TL in /*) ;; *) TL=$(pwd)/$TL ;; esac
BUILD=${BUILD:-build}
TLGEN=${TLGEN:-$BUILD/bench/tlgen}
MB=${ACCOUNTING_MB:-20}
RULES=rules/macos
unset TRUSTLINE_RULES
pass=0
fail=0
NDJSON_AWK=$(cat "$(dirname "$0")/lib/ndjson.awk") || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
bad() { printf "accounting: FAIL: %s\n" "$*" >&2; fail=$((fail + 1)); }

# stat NAME FILE: the value of one --stats line ("  event   123  4.5%")
st() {
    awk -v k="$1" '$1 == k && $2 ~ /^[0-9]+$/ { print $2; exit }' "$2"
}

# lines_of FILE: wc -l, plus one when the last byte is not LF
lines_of() {
    n=$(wc -l <"$1" | tr -d ' ')
    if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
        n=$((n + 1))
    fi
    echo "$n"
}

# account NAME FILE [MANIFEST]: every check on one input
account() {
    name=$1 f=$2 man=${3:-}
    "$TL" parse --stats "$f" >"$tmp/parse.out" 2>"$tmp/parse.err"
    rc=$?
    [ $rc = 0 ] || { bad "$name: parse exit status $rc"; head -n 5 "$tmp/parse.err" >&2; }
    want=$(lines_of "$f")
    lines=$(st lines "$tmp/parse.err")
    sum=0
    for c in event continuation preamble header trailer blank malformed; do
        v=$(st "$c" "$tmp/parse.err")
        sum=$((sum + ${v:-0}))
    done
    if [ "$lines" = "$want" ] && [ "$sum" = "$want" ]; then ok; else
        bad "$name: wc -l (+ partial line) $want, --stats lines ${lines:-?}, classes sum $sum"
    fi
    recs=$(st records "$tmp/parse.err")
    evs=$(wc -l <"$tmp/parse.out" | tr -d ' ')
    if [ -n "$recs" ] && [ "$recs" = "$evs" ]; then ok; else
        bad "$name: parse wrote $evs events, --stats records ${recs:-?}"
    fi
    # The same counts from scan --stats.
    "$TL" scan -r "$RULES" --stats -f ndjson "$f" >"$tmp/scan.out" 2>"$tmp/scan.err"
    rc=$?
    [ $rc = 0 ] || { bad "$name: scan exit status $rc"; head -n 5 "$tmp/scan.err" >&2; }
    for c in lines event continuation preamble header trailer blank malformed records; do
        if [ "$(st $c "$tmp/scan.err")" != "$(st $c "$tmp/parse.err")" ]; then
            bad "$name: scan --stats $c $(st $c "$tmp/scan.err") but parse --stats $(st $c "$tmp/parse.err")"
        fi
    done
    ok
    "$TL" scan -r "$RULES" --no-prefilter -f ndjson "$f" >"$tmp/nopf.out" 2>"$tmp/nopf.err"
    if cmp -s "$tmp/scan.out" "$tmp/nopf.out"; then ok; else
        bad "$name: scan and scan --no-prefilter differ:"
        diff "$tmp/scan.out" "$tmp/nopf.out" | head -n 6 | cut -c1-300 >&2
    fi
    [ -n "$man" ] || return 0
    if incidents "$name" "$man" "$tmp/scan.out" >"$tmp/inc" 2>&1; then
        ok
        [ "${VERBOSE:-0}" = 1 ] && cat "$tmp/inc"
    else
        bad "$name: planted incidents of $man:"
        head -n 30 "$tmp/inc" >&2
    fi
}

# incidents NAME MANIFEST SCAN-NDJSON
incidents() {
    case $1 in *syslog*) nothread=1 ;; *) nothread=0 ;; esac
    awk -v name="$1" -v nothread=$nothread "$NDJSON_AWK"'
function basename(p,    m, parts) { m = split(p, parts, "/"); return parts[m] }
function err(msg) { print name ": " msg; bad = 1 }
FNR == NR {
    if ($0 ~ /^#/ || NF == 0) next
    nf = split($0, f, "\t")
    split("", F)
    for (i = 3; i <= nf; i++) {
        p = index(f[i], "=")
        F[substr(f[i], 1, p - 1)] = substr(f[i], p + 1)
    }
    kind = f[2]; own = ""
    if (kind == "expired-cert-migration" || kind == "notarized-first-launch" || \
        kind == "gatekeeper-rejection" || kind == "xprotect-malware") {
        r = "gk_evaluate_scan_result"; k = "path_hash=" F["path_hash"]
        g = "gk_assessment_episode"; gk = "path_hash"; gv = F["path_hash"]
        if (kind == "gatekeeper-rejection" || kind == "xprotect-malware")
            own = F["pid"]
    } else if (kind == "amfi-unsigned-kill" || kind == "amfi-adhoc-rejected") {
        r = kind == "amfi-unsigned-kill" ? "amfi_unsigned_code_killed" : "kernel_load_code_signature_error"
        k = "pid=" F["pid"]; own = F["pid"]
        g = "amfi_block_episode"; gk = "executable"; gv = basename(F["path"])
    } else if (kind ~ /^bsi-/) {
        r = kind == "bsi-install" ? "bsi_installed" : \
            kind == "bsi-rollback-failed" ? "bsi_rollback_failed" : "bsi_operation_failed"
        k = "process.pid=" F["pid"]; own = F["pid"]
        g = "bsi_episode"; gk = "process"; gv = F["process"]
    } else {
        err("incident kind " kind " at " f[1] " has no mapping")
        next
    }
    n++
    IT[n] = f[1]; IKIND[n] = kind; IKEY[n] = r SUBSEP k; IG[n] = g
    IGK[n] = gk; IGV[n] = gv; IOWN[n] = own
    want[r SUBSEP k]++
    KIND[n] = kind
    next
}
{
    parse($0)
    rec = V["record"]
    if (rec == "episode") {
        e = V["episode"]
        ESEEN[e]++
        ERULE[e] = V["rule.name"]
        EKEY[e, "path_hash"] = V["path_hash"]
        EKEY[e, "executable"] = V["executable"]
        # (the episode key `process` is written as ECS `process.name`)
        EKEY[e, "process"] = ("process" in V) ? V["process"] : V["process.name"]
        if (!(e in EORDER)) { ne++; EORDER[e] = ne; ELIST[ne] = e }
        next
    }
    if (rec != "event") next
    ep = ("episode" in V && V["episode"] != "null") ? V["episode"] : ""
    rn = V["rule.name"]
    # anchors
    split("pid=" V["pid"] " process.pid=" V["process.pid"] \
          " path_hash=" V["path_hash"], cand, " ")
    cand[4] = "responsible_path=" V["responsible_path"]
    for (j = 1; j <= 4; j++) {
        key = rn SUBSEP cand[j]
        if (!(key in want)) continue
        # insert by timestamp
        m = ++got[key]
        ts = V["timestamp"] + 0
        while (m > 1 && AT[key, m - 1] > ts) {
            AT[key, m] = AT[key, m - 1]; AE[key, m] = AE[key, m - 1]; m--
        }
        AT[key, m] = ts; AE[key, m] = ep
        break
    }
    # pids: every episode an event with this pid was put in
    for (j = 1; j <= 2; j++) {
        p = j == 1 ? V["pid"] : V["process.pid"]
        if (p == "" || p == "0") continue
        PEP[p] = PEP[p] " " (ep == "" ? "standalone" : ep)
    }
}
END {
    # the k-th incident of a key, in time order
    for (i = 1; i <= n; i++) {
        occ = 1
        for (j = 1; j <= n; j++)
            if (j != i && IKEY[j] == IKEY[i] && (IT[j] < IT[i] || IT[j] == IT[i] && j < i))
                occ++
        key = IKEY[i]
        split(key, kp, SUBSEP)
        what = IKIND[i] " at " IT[i] " (" kp[1] " " kp[2] ")"
        if (got[key] + 0 != want[key]) {
            if (!(key in said))
                err(want[key] " incident(s) but " got[key] + 0 " anchor event(s) " kp[1] " with " kp[2])
            said[key] = 1
            continue
        }
        ep = AE[key, occ]
        if (ep == "") { err(what ": anchor event outside any episode"); continue }
        if (ESEEN[ep] != 1) { err(what ": episode " ep " written " ESEEN[ep] + 0 " times"); continue }
        if (ERULE[ep] != IG[i]) { err(what ": in episode " ep " of " ERULE[ep] ", not " IG[i]); continue }
        if (EKEY[ep, IGK[i]] != IGV[i]) {
            err(what ": episode " ep " has " IGK[i] "=" EKEY[ep, IGK[i]] ", not " IGV[i]); continue
        }
        USED[ep] = 1
        split_ = 0
        if (IOWN[i] != "") {
            c = split(PEP[IOWN[i]], pe, " ")
            for (j = 1; j <= c; j++)
                if (pe[j] != ep && !(nothread && pe[j] == "standalone" && IG[i] == "gk_assessment_episode")) {
                    err(what ": an event of pid " IOWN[i] " is in " (pe[j] == "standalone" ? "no episode" : "episode " pe[j]) ", not in episode " ep)
                    split_ = 1
                    break
                }
        }
        if (split_) continue
        nok++
        per[IKIND[i]]++
    }
    for (j = 1; j <= ne; j++)
        if (!(ELIST[j] in USED))
            err("episode " ELIST[j] " (" ERULE[ELIST[j]] ") holds no planted incident")
    out = ""
    for (kd in per) out = out " " kd "=" per[kd]
    print name ": " nok + 0 " of " n + 0 " incidents each in exactly one episode (" ne + 0 " episodes):" out
    exit bad
}' "$2" "$3"
}

if [ ! -x "$TLGEN" ]; then
    bad "no corpus generator $TLGEN (make $TLGEN)"
    echo "accounting: $pass passed, $fail failed"
    exit 1
fi

# Generated corpora.
for spec in "default:--style default" \
            "compact:--style compact" \
            "syslog:--style syslog" \
            "json:--style json" \
            "ndjson:--style ndjson" \
            "default-nottl-info:--style default --no-ttl --info --debug --preamble --seed 2" \
            "compact-trailer:--style compact --trailer --preamble --info --seed 3" \
            "syslog-trailer:--style syslog --trailer --seed 4" \
            "ndjson-info:--style ndjson --info --seed 5"; do
    name=${spec%%:*}
    opts=${spec#*:}
    # shellcheck disable=SC2086
    if ! "$TLGEN" $opts --size "$MB" --manifest "$tmp/$name.manifest" \
            -o "$tmp/$name.log"; then
        bad "$name: tlgen $opts failed"
        continue
    fi
    account "gen:$name" "$tmp/$name.log" "$tmp/$name.manifest"
    rm -f "$tmp/$name.log"
done

# A final line without LF (the last record cut before its newline).
"$TLGEN" --style compact --size 2 --seed 6 --manifest "$tmp/cut.manifest" -o "$tmp/cut.full"
size=$(wc -c <"$tmp/cut.full" | tr -d ' ')
head -c $((size - 1)) "$tmp/cut.full" >"$tmp/cut.log"
account "gen:compact-no-final-lf" "$tmp/cut.log" "$tmp/cut.manifest"
rm -f "$tmp/cut.full" "$tmp/cut.log"

# Every sample (with its story's manifest).
for f in samples/*.log samples/*.ndjson samples/*.json; do
    [ -f "$f" ] || continue
    b=${f##*/}
    story=${b%%.*}
    man=samples/$story.manifest
    [ -f "$man" ] || man=
    account "sample:$b" "$f" "$man"
done

# A story's last lines belong to it even after its window stopped taking
# keyed events, and a link counts only between events at most
# link-window apart. (Found by the compact corpus above, seed 3: Torrent
# Buddy's window, opened by its first assessment at 09:00:14.904, took the
# keyed lines of a new assessment on thread 19f455 two seconds before its
# 2-minute deadline; the ASP denial and the termination of that
# assessment came a second after the deadline, and both went to Free
# Video Converter's episode: the ASP line through an ASP line of Free
# Video Converter 90 s earlier on the same, reused, kernel thread, the
# termination by the [processID, threadID] link to Free Video Converter's
# assessment on thread 19f455. That episode then said "Gatekeeper rejected
# com.freevideoconverter.mac ... and terminated process 16347".) Both
# events of pid 16347 must be in Torrent Buddy's episode.
cat >"$tmp/link.log" <<'EOF'
Timestamp               Ty Process[PID:TID]
2026-03-18 09:00:14.904 Df syspolicyd[702:7a4b2] [com.apple.syspolicy.exec:default] GK process assessment: /Users/alice/Downloads/Torrent Buddy.app/Contents/MacOS/Torrent Buddy <-- (/sbin/launchd, /Users/alice/Downloads/Torrent Buddy.app/Contents/MacOS/Torrent Buddy)
2026-03-18 09:00:14.904 Df syspolicyd[702:7a4b2] [com.apple.syspolicy.exec:default] GK performScan: PST: (path: 7a56e56699100a82), (team: (null)), (id: (null)), (bundle_id: com.torrentbuddy.mac)
2026-03-18 09:00:14.944 Df syspolicyd[702:7a4b2] [com.apple.syspolicy.exec:default] GK evaluateScanResult: 3, PST: (path: 7a56e56699100a82), (team: (null)), (id: (null)), (bundle_id: com.torrentbuddy.mac), 0, 0, 0, 0, 1, 0, 0
2026-03-18 09:00:39.807 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK process assessment: /Users/alice/Downloads/Free Video Converter.app/Contents/MacOS/Free Video Converter <-- (/sbin/launchd, /Users/alice/Downloads/Free Video Converter.app/Contents/MacOS/Free Video Converter)
2026-03-18 09:00:39.807 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK performScan: PST: (path: 30a214a1d0aa08f6), (team: (null)), (id: (null)), (bundle_id: com.freevideoconverter.mac)
2026-03-18 09:00:39.850 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK evaluateScanResult: 3, PST: (path: 30a214a1d0aa08f6), (team: (null)), (id: (null)), (bundle_id: com.freevideoconverter.mac), 0, 0, 0, 0, 1, 0, 0
2026-03-18 09:00:45.079 Df kernel[0:164a28] (AppleSystemPolicy) ASP: Security policy would not allow process: 15611, /Users/alice/Downloads/Free Video Converter.app/Contents/MacOS/Free Video Converter
2026-03-18 09:00:45.080 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] Terminating process due to Gatekeeper rejection: 15611, /Users/alice/Downloads/Free Video Converter.app/Contents/MacOS/Free Video Converter
2026-03-18 09:02:09.645 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK process assessment: /Users/alice/Downloads/Free Video Converter.app/Contents/MacOS/Free Video Converter <-- (/sbin/launchd, /Users/alice/Downloads/Free Video Converter.app/Contents/MacOS/Free Video Converter)
2026-03-18 09:02:09.645 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK performScan: PST: (path: 30a214a1d0aa08f6), (team: (null)), (id: (null)), (bundle_id: com.freevideoconverter.mac)
2026-03-18 09:02:09.670 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK evaluateScanResult: 3, PST: (path: 30a214a1d0aa08f6), (team: (null)), (id: (null)), (bundle_id: com.freevideoconverter.mac), 0, 0, 0, 0, 1, 0, 0
2026-03-18 09:02:12.773 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK process assessment: /Users/alice/Downloads/Torrent Buddy.app/Contents/MacOS/Torrent Buddy <-- (/sbin/launchd, /Users/alice/Downloads/Torrent Buddy.app/Contents/MacOS/Torrent Buddy)
2026-03-18 09:02:12.773 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK performScan: PST: (path: 7a56e56699100a82), (team: (null)), (id: (null)), (bundle_id: com.torrentbuddy.mac)
2026-03-18 09:02:12.816 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] GK evaluateScanResult: 3, PST: (path: 7a56e56699100a82), (team: (null)), (id: (null)), (bundle_id: com.torrentbuddy.mac), 0, 0, 0, 0, 1, 0, 0
2026-03-18 09:02:15.892 Df kernel[0:164a28] (AppleSystemPolicy) ASP: Security policy would not allow process: 16347, /Users/alice/Downloads/Torrent Buddy.app/Contents/MacOS/Torrent Buddy
2026-03-18 09:02:15.892 Df syspolicyd[702:19f455] [com.apple.syspolicy.exec:default] Terminating process due to Gatekeeper rejection: 16347, /Users/alice/Downloads/Torrent Buddy.app/Contents/MacOS/Torrent Buddy
EOF
"$TL" scan -r "$RULES" -f ndjson "$tmp/link.log" >"$tmp/link.out" 2>&1
tb=$(grep '"record":"episode"' "$tmp/link.out" | grep '"path_hash":"7a56e56699100a82"' |
     sed -n 's/^{"record":"episode","episode":\([0-9]*\),.*/\1/p')
n=$(grep -c '"pid":"16347"' "$tmp/link.out")
nin=$(grep '"pid":"16347"' "$tmp/link.out" | grep -c "\"episode\":${tb:-x},")
if [ -n "$tb" ] && [ "$n" = 2 ] && [ "$nin" = 2 ]; then ok; else
    bad "link: the ASP denial and the termination of pid 16347 (Torrent Buddy, path_hash 7a56e56699100a82) are not both in Torrent Buddy's episode ${tb:-(none)}:"
    grep -e '"record":"episode"' -e '"pid":"16347"' "$tmp/link.out" | cut -c1-200 >&2
fi

echo "accounting: $pass passed, $fail failed"
[ $fail = 0 ]
