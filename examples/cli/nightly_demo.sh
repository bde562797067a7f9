#!/usr/bin/env bash
# The nightly billing job as an operator runs it, over loopback: a mock CRM.COM with an
# operator's data and a few faults (crmnf mock), two nights of crmnf sync against it, and the
# morning check of the journal. `make demo` runs it.
#
# Usage: examples/cli/nightly_demo.sh [CRMNF [WORKDIR]]
set -euo pipefail

CRMNF=${1:-target/debug/crmnf}
WORK=${2:-target/demo}
rm -rf "$WORK"
mkdir -p "$WORK"

# 300 charges of 60 customers in USD, EUR, GBP, JPY and KWD, a quarter of them pending (they are
# processed over the next day and a half); a 503, an expired token and an acknowledgement whose
# answer is lost on the way.
"$CRMNF" mock --port 0 --customers 60 --charges 300 --seed 7 \
    --fault 'netflix/charges/list:http_status:status=503' \
    --fault 'netflix/charges/list:api_error:code=TOKEN_EXPIRED,after=3' \
    --fault 'netflix/charges/acknowledge:drop_response:after=2' \
    > "$WORK/mock.out" 2> "$WORK/mock.log" &
MOCK=$!
trap 'kill -TERM $MOCK 2>/dev/null || true' EXIT
until [ -s "$WORK/mock.out" ]; do
    kill -0 $MOCK 2>/dev/null || { cat "$WORK/mock.log"; exit 1; }
    sleep 0.1
done
BASE_URL=$(head -n 1 "$WORK/mock.out")
echo "== crmnf mock is serving at $BASE_URL (faults: a 503, an expired token, a lost answer)"

export CRMNF_BASE_URL=$BASE_URL CRMNF_USERNAME=billing CRMNF_ORGANISATION=NETFLIXOP
export CRMNF_PASSWORD=secret CRMNF_JOURNAL=$WORK/nightly.sqlite CRMNF_OUT=$WORK/bills

echo
echo "== night 1: crmnf sync"
"$CRMNF" sync
echo
echo "== the billing file, first lines"
head -n 4 "$WORK/bills/run-000001.csv"

echo
echo "== a day and a half later on the server's clock (the pending charges have been processed since)"
curl -s -X POST "$BASE_URL/_mock/clock/advance" -d '{"days": 1, "hours": 12}'
echo
echo
echo "== night 2: crmnf sync picks up the charges approved meanwhile"
"$CRMNF" sync

echo
echo "== the morning check: crmnf journal status"
"$CRMNF" journal status "$CRMNF_JOURNAL"

echo
echo "== what the server says: every processed charge acknowledged, once"
curl -s "$BASE_URL/_mock/state" | python3 -c '
import json, sys
s = json.load(sys.stdin)
charges = s["charges"]
processed = [c for c in charges if c["charge_status"] != "PENDING"]
acked = [c for c in processed if c["acknowledged"]]
faults = s["summary"]["faults"]
print(f"{len(charges)} charges, {len(processed)} processed, {len(acked)} acknowledged; faults met: {faults}")
assert len(acked) == len(processed)
'
kill -TERM $MOCK
wait $MOCK
trap - EXIT
echo
echo "billing files: $(ls "$WORK"/bills/*.csv | tr '\n' ' ')"
