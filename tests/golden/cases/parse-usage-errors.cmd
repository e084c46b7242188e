$TL parse --style nosuch x; echo "rc=$?"; $TL parse --max-line 10 x; echo "rc=$?"; $TL parse --bogus; echo "rc=$?"; $TL parse /nonexistent; echo "rc=$?"; $TL parse tests; echo "rc=$?"
