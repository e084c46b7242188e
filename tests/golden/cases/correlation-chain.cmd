$TL scan --batch -r tests/golden/inputs/chain.yml -f text tests/golden/inputs/chain.log
