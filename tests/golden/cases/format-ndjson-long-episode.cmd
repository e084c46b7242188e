$TL scan --batch -r tests/golden/inputs/long-episode.yml -f ndjson tests/golden/inputs/long-episode.log | grep -o '"event.duration":[-0-9]*'
