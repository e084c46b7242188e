# ndjson.awk - parse(s): the top-level keys of one NDJSON object s, in
# order, into K[1..NK], and their values into V[key] (strings unquoted
# but left escaped; objects and arrays raw). V is cleared first.
# Shared by tests/golden/samples.sh and tests/accounting.sh, which put it
# in front of their own program text. POSIX awk.

# str_at(s, i): the string body that starts at i (after its opening
# quote), escapes left as they are; STR_END is the index of the closing
# quote (or past the end).
function str_at(s, i,    n, c, r) {
    n = length(s)
    r = ""
    while (i <= n) {
        c = substr(s, i, 1)
        if (c == "\\") { r = r substr(s, i, 2); i += 2; continue }
        if (c == "\"") break
        r = r c; i++
    }
    STR_END = i
    return r
}

function parse(s,    i, n, c, k, v, depth, start, esc, instr) {
    NK = 0
    split("", V)
    n = length(s)
    i = 2
    while (i <= n) {
        c = substr(s, i, 1)
        if (c != "\"") { i++; continue }
        k = str_at(s, i + 1); i = STR_END + 2
        c = substr(s, i, 1)
        if (c == "\"") {
            v = str_at(s, i + 1); i = STR_END + 1
        } else if (c == "{" || c == "[") {
            depth = 0; start = i; esc = 0; instr = 0
            while (i <= n) {
                c = substr(s, i, 1)
                if (esc) esc = 0
                else if (c == "\\") esc = 1
                else if (c == "\"") instr = !instr
                else if (!instr && (c == "{" || c == "[")) depth++
                else if (!instr && (c == "}" || c == "]")) {
                    depth--
                    if (depth == 0) break
                }
                i++
            }
            v = substr(s, start, i - start + 1); i++
        } else {
            start = i
            while (i <= n && substr(s, i, 1) != "," && substr(s, i, 1) != "}")
                i++
            v = substr(s, start, i - start)
        }
        NK++; K[NK] = k; V[k] = v
        i++
    }
}
