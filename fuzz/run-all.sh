#!/usr/bin/env bash
# Runs fuzz targets one after another (never two at once), each for SECONDS_PER_TARGET
# seconds of fuzzing, at low priority, with one job. Build first (see README.md); this runs
# the built binaries as they are, so editing the crate meanwhile does not restart a build.
# Logs go to fuzz/logs/<target>.job.log (libFuzzer's own output).
# Usage: fuzz/run-all.sh [target...]   (default: every target)
set -uo pipefail
cd "$(dirname "$0")"
secs="${SECONDS_PER_TARGET:-620}"
bin=target/x86_64-unknown-linux-gnu/release
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(normalize read_csv read_jsonl config resolver_load)
fi
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    start=$(date +%s)
    nice -n 15 "$bin/$t" -jobs=1 -workers=1 -max_total_time="$secs" -rss_limit_mb=4096 \
        -timeout=30 -max_len=4096 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
        "corpus/$t" "seeds/$t" >"logs/$t.log" 2>&1
    rc=$?
    end=$(date +%s)
    # With -jobs=1 libFuzzer runs the job in a child process logging to fuzz-0.log.
    [ -f fuzz-0.log ] && mv fuzz-0.log "logs/$t.job.log"
    echo "$t rc=$rc wall=$((end - start))s started=$(date -u -d @"$start" +%H:%M:%S)" >>logs/summary.txt
done
