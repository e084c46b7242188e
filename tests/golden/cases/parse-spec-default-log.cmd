$TL parse --stats tests/golden/inputs/spec-default.log
