$TL rules lint tests/golden/inputs/chain-errors.yml; echo "rc=$?"
