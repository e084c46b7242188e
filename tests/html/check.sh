#!/bin/sh
# shellcheck disable=SC2317,SC2016
# (functions are called through check(); awk programs are in single quotes)
# check.sh - load an HTML report of trustline in headless Chromium and check
# what the page shows after its script ran.
#
#   sh tests/html/check.sh [-e EPISODES] [-n EVENTS] [-s SHOT.png] [FILE]
#
# Without FILE, the fixtures of the unit test are written first
# (TL_HTML_OUT=... [TL_HTML_LIVE=1] $BUILD/tests/test_html, batch and live
# mode) and checked with their known counts (4 episodes, 21 events). -e/-n give the expected number of
# episodes and of events (event rows, not counting the repeats of live
# mode); without them the counts are taken from the file itself and the
# page is checked against those. -s keeps the screenshot
# (--window-size=1400,1000) at SHOT.png.
#
# Checks, on the DOM Chromium dumps after the page loaded:
#   - no console message: no Content-Security-Policy violation (the inline
#     style and script are allowed by hash) and no script error;
#   - the script ran: the filter bar is shown, the count line is filled;
#   - the SVG timeline has one bar per episode (up to its cap) and one
#     mark per standalone event; the table has every episode and event;
#   - filters read from the URL fragment hide what they should, in the
#     table and in the timeline: #level=high, #ep=N, #rule=N, #q=TEXT;
#   - a screenshot is written and is a PNG.
#
# Exit 0: passed; 1: failed; 77: skipped (no chromium); 2: usage.
# CHROMIUM=/path/to/chromium overrides the browser; BUILD the build dir;
# CHECK_TIMEOUT the seconds one chromium run may take (300; a page of
# 20,000 rows takes about a minute in a small VM).

set -u

usage() {
    echo "usage: check.sh [-e EPISODES] [-n EVENTS] [-s SHOT.png] [FILE]" >&2
    exit 2
}

want_ep=
want_ev=
shot=
while getopts e:n:s:h o; do
    case $o in
    e) want_ep=$OPTARG ;;
    n) want_ev=$OPTARG ;;
    s) shot=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage

browser=${CHROMIUM:-}
if [ -n "$browser" ] && ! command -v "$browser" >/dev/null 2>&1; then
    echo "check.sh: SKIP: CHROMIUM=$browser not found" >&2
    exit 77
fi
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$b
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "check.sh: SKIP: chromium not installed (apt-get install chromium)" >&2
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tl-html-check.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

if [ $# -eq 0 ]; then
    here=$(cd "$(dirname "$0")" && pwd)
    root=$(cd "$here/../.." && pwd)
    # the unit test's fixtures, batch and live, with their known counts
    bin=${BUILD:-$root/build}/tests/test_html
    if [ ! -x "$bin" ]; then
        echo "check.sh: $bin not built (make $bin)" >&2
        exit 1
    fi
    rc=0
    for mode in batch live; do
        live=0
        [ $mode = live ] && live=1
        fx=$work/fixture-$mode.html
        if ! TL_HTML_LIVE=$live TL_HTML_OUT=$fx "$bin" >"$work/unit.log" 2>&1
        then
            cat "$work/unit.log" >&2
            echo "check.sh: the unit test failed" >&2
            exit 1
        fi
        set -- -e "${want_ep:-4}" -n "${want_ev:-21}"
        if [ -n "$shot" ]; then
            set -- "$@" -s "${shot%.png}-$mode.png"
        fi
        echo "# fixture: $mode"
        sh "$0" "$@" "$fx" || rc=1
    done
    exit $rc
fi
file=$1
[ -r "$file" ] || { echo "check.sh: cannot read $file" >&2; exit 1; }
case $file in
/*) abs=$file ;;
*) abs=$(pwd)/$file ;;
esac
# file: URL: percent-encode what a path may hold that a URL may not
url=file://$(printf '%s' "$abs" | sed -e 's/%/%25/g' -e 's/ /%20/g' \
    -e 's/#/%23/g' -e 's/?/%3F/g')

fails=0
n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    fails=$((fails + 1))
    echo "not ok $n - $1"
}
check() { # description, then a test command
    d=$1
    shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}
eq() { [ "$1" = "$2" ] || { echo "#   got '$1', want '$2'" >&2; return 1; }; }

to=
command -v timeout >/dev/null 2>&1 && to="timeout ${CHECK_TIMEOUT:-300}"

# run_chromium OUT ERR ARGS... (fresh profile each time, nothing networked)
run_chromium() {
    out=$1
    err=$2
    shift 2
    prof=$(mktemp -d "$work/profile.XXXXXX")
    $to "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --mute-audio \
        --enable-logging=stderr --v=0 \
        --user-data-dir="$prof" "$@" >"$out" 2>"$err"
}

# dump FRAGMENT NAME: the DOM after load, one tag per line in NAME.tags
dump() {
    if ! run_chromium "$work/$2.html" "$work/$2.err" --dump-dom "$url$1"; then
        echo "# chromium failed on $url$1:" >&2
        tail -5 "$work/$2.err" >&2
        return 1
    fi
    tr '<' '\n' <"$work/$2.html" >"$work/$2.tags"
}

# console messages (CSP violations, script errors) of a run
console_clean() {
    if grep -E ':CONSOLE[:(]|Content Security Policy|Uncaught' "$1" >&2; then
        return 1
    fi
    return 0
}

# counts in a tag file
cnt() { grep -c -- "$2" "$work/$1.tags"; }

# --- the page as written ----------------------------------------------------

tr '<' '\n' <"$file" >"$work/src.tags"
src_ep=$(cnt src '^tbody class="ep ')
src_hit=$(cnt src '^tbody class="hit"')
src_rows=$(grep '^tr class="ev' "$work/src.tags" | grep -vc ' again"')
src_bars=$(sed -n 's/^svg .* data-bars="\([0-9]*\)".*/\1/p' "$work/src.tags")
src_dots=$(grep -c '^a href="#h-[0-9]*" data-ref=' "$work/src.tags")
echo "# $file: $src_ep episodes, $src_rows events ($src_hit standalone)"
[ -z "$want_ep" ] || check "episodes in the file: $want_ep" eq "$src_ep" "$want_ep"
[ -z "$want_ev" ] || check "events in the file: $want_ev" eq "$src_rows" "$want_ev"

# --- loaded, no filter ---------------------------------------------------------

if ! dump "" all; then
    echo "check.sh: FAIL: chromium could not load the page" >&2
    exit 1
fi
check "no console messages (CSP, script errors)" console_clean "$work/all.err"
check "the script ran (data-shown set)" \
    grep -q '^html[^>]* data-shown="' "$work/all.tags"
check "the filter bar is shown" \
    grep -q '^form class="card filters o3" id="flt" autocomplete' \
    "$work/all.tags"
check "one svg" eq "$(cnt all '^svg ')" 1
check "episode bars in the svg: $src_bars" eq "$(cnt all '^rect class="bar ')" \
    "$src_bars"
if [ "$src_ep" -le 5000 ]; then
    check "one bar per episode" eq "$src_bars" "$src_ep"
fi
check "event marks in the svg: $src_dots" \
    eq "$(cnt all '^circle class="dot ')" "$src_dots"
check "table: $src_ep episodes" eq "$(cnt all '^tbody class="ep ')" "$src_ep"
check "table: $src_hit standalone events" \
    eq "$(cnt all '^tbody class="hit"')" "$src_hit"
check "nothing hidden" eq "$(grep '^tbody class="[^"]*" id=' "$work/all.tags" |
    grep -c 'hidden=""')" 0
check "nothing dimmed" eq "$(grep 'data-ref=' "$work/all.tags" |
    grep -c 'class="dim"')" 0
pl() { if [ "$1" = 1 ]; then echo "$1 $2"; else echo "$1 ${2}s"; fi; }
check "count line: all shown" eq \
    "$(sed -n 's/^span class="count" id="f-count">//p' "$work/all.tags")" \
    "Showing all: $(pl "$src_ep" episode), $(pl "$src_rows" event)"

# visible/hidden table groups by a predicate on the tag line
# (awk program on $0 = the tbody tag); prints "bad" lines
mismatch() { # NAME AWK-CONDITION-FOR-VISIBLE
    grep '^tbody class="[^"]*" id=' "$work/$1.tags" | awk -v n="$1" "
        { vis = index(\$0, \"hidden=\\\"\\\"\") == 0
          want = ($2) ? 1 : 0
          if (vis != want) { print n \": \" \$0; bad++ } }
        END { exit bad > 0 }" >&2
}
# the svg marks follow their rows
marks_follow() { # NAME
    awk '
        /^tbody class="[^"]*" id=/ {
            id = $0; sub(/.* id="/, "", id); sub(/".*/, "", id)
            hid[id] = index($0, "hidden=\"\"") > 0
        }
        /data-ref="/ {
            r = $0; sub(/.*data-ref="/, "", r); sub(/".*/, "", r)
            ref[r] = index($0, "class=\"dim\"") > 0
        }
        END {
            for (r in ref)
                if (ref[r] != hid[r]) { print "mark " r; bad++ }
            exit bad > 0
        }' "$work/$1.tags" >&2
}
lv_of() { sed 's/.* data-lv="\([0-9]\)".*/\1/'; }

# --- #level=high ---------------------------------------------------------------

if dump "#level=high" lvl; then
    check "#level=high: no console messages" console_clean "$work/lvl.err"
    check "#level=high: only high and critical rows shown" \
        mismatch lvl 'match($0, /data-lv="[34]"/)'
    check "#level=high: the timeline dims the rest" marks_follow lvl
    vis_ep=$(grep '^tbody class="ep ' "$work/lvl.tags" | grep -vc 'hidden=""')
    want_vis=$(grep '^tbody class="ep ' "$work/src.tags" | lv_of |
        awk '$1 >= 3 { n++ } END { print n + 0 }')
    check "#level=high: $want_vis episodes shown" eq "$vis_ep" "$want_vis"
    if grep '^tbody class="[^"]*" id=' "$work/lvl.tags" | grep -q 'hidden=""'; then
        line="Showing $want_vis of $(pl "$src_ep" episode), "
    else
        line="Showing all: $(pl "$src_ep" episode), "
    fi
    check "#level=high: count line" grep -q \
        "^span class=\"count\" id=\"f-count\">$line" "$work/lvl.tags"
else
    not_ok "#level=high: page loads"
fi

# --- #ep=N: the first episode ------------------------------------------------

ep=$(sed -n 's/^tbody class="ep [^"]*" id="ep-\([0-9]*\)".*/\1/p' \
    "$work/src.tags" | head -n 1)
if [ -n "$ep" ]; then
    if dump "#ep=$ep" ep; then
        check "#ep=$ep: only episode $ep shown" \
            mismatch ep "index(\$0, \"data-ep=\\\"$ep\\\"\") > 0"
        check "#ep=$ep: the timeline dims the rest" marks_follow ep
        check "#ep=$ep: count line" grep -q \
            '^span class="count" id="f-count">Showing 1 of ' "$work/ep.tags"
    else
        not_ok "#ep=$ep: page loads"
    fi

    # --- #rule=N: the correlation rule of that episode (its first index)
    rule=$(sed -n "s/^tbody class=\"ep [^\"]*\" id=\"ep-$ep\".* data-r=\"\\([0-9]*\\).*/\\1/p" \
        "$work/src.tags" | head -n 1)
    if [ -n "$rule" ] && dump "#rule=$rule" rule; then
        check "#rule=$rule: only groups with that rule shown" \
            mismatch rule "match(\$0, / data-r=\"([0-9 ]* )?$rule( [0-9 ]*)?\"/)"
        check "#rule=$rule: the timeline dims the rest" marks_follow rule
    else
        not_ok "#rule=$rule: page loads"
    fi
fi

# --- #q=TEXT: a text that is nowhere -----------------------------------------

if dump "#q=no%20such%20text%20anywhere" q; then
    check "#q: nothing shown" eq "$(grep '^tbody class="[^"]*" id=' "$work/q.tags" |
        grep -vc 'hidden=""')" 0
    if [ $((src_ep + src_hit)) -gt 0 ]; then
        check "#q: the 'no match' note is shown" grep -q \
            '^span class="note warn" id="f-none">' "$work/q.tags"
    fi
    check "#q: the text box holds it" grep -q \
        '^input type="search" id="f-q"' "$work/q.tags"
else
    not_ok "#q: page loads"
fi

# --- a screenshot ----------------------------------------------------------------

png=${shot:-$work/shot.png}
if run_chromium "$work/shot.out" "$work/shot.err" --hide-scrollbars \
    --screenshot="$png" --window-size=1400,1000 "$url" && [ -s "$png" ]; then
    sig=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
    check "screenshot is a PNG ($png)" eq "$sig" 89504e470d0a1a0a
else
    not_ok "screenshot written"
fi

echo "1..$n"
if [ "$fails" -gt 0 ]; then
    echo "check.sh: FAIL: $fails of $n checks failed ($file)" >&2
    exit 1
fi
echo "check.sh: PASS: $n checks ($file)"
exit 0
