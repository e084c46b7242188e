$TL parse --stats tests/golden/inputs/spec-compact.log
