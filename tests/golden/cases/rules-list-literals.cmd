$TL rules list --literals tests/golden/rules/good
