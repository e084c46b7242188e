# ndjson.awk - parse(s): the top-level keys of one NDJSON object s, in
# order, into K[1..NK], and their values into V[key] (strings unquoted
# but left escaped; objects and arrays raw). V is cleared first.
# Shared by tests/golden/samples.sh and tests/accounting.sh, which put it
# in front of their own program text. POSIX awk.
function parse(s,    i, n, c, k, v, depth, start, esc, instr) {
    NK = 0
    split("", V)
    n = length(s)
    i = 2
    while (i <= n) {
        c = substr(s, i, 1)
        if (c != "\"") { i++; continue }
        k = ""; i++
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "\\") { k = k substr(s, i, 2); i += 2; continue }
            if (c == "\"") break
            k = k c; i++
        }
        i += 2
        c = substr(s, i, 1)
        if (c == "\"") {
            v = ""; i++
            while (i <= n) {
                c = substr(s, i, 1)
                if (c == "\\") { v = v substr(s, i, 2); i += 2; continue }
                if (c == "\"") break
                v = v c; i++
            }
            i++
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
