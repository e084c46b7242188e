$TL parse --stats tests/golden/inputs/spec.ndjson
