$TL parse --stats tests/golden/inputs/bad-input.log
