$TL scan --batch -r tests/golden/inputs/long-episode.yml -f ndjson tests/golden/inputs/long-episode.log 2>&1; echo "rc=$?"
