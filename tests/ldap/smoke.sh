#!/bin/bash
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# smoke.sh -- end-to-end check of the LDAP identity part against a private slapd:
# tools/slapd-run (schema + sample directory load), the reader account and its ACL,
# and modules/core/ldap.c through tests/ldap/lookup_main.c. Needs slapd, ldap-utils,
# gcc, apache2-dev (APR), libldap2-dev. Usage: tests/ldap/smoke.sh [PORT]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d /tmp/itsm-ldap-smoke.XXXXXX)
PORT=${1:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
URL="ldap://127.0.0.1:$PORT"
BASE="dc=itsm,dc=example"
READER="cn=itsm-reader,$BASE"
fails=0

cleanup() { "$REPO/tools/slapd-run" --dir "$TMP/slapd" --stop >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT

ok()   { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
expect() {  # expect NAME HAYSTACK NEEDLE: NEEDLE is a whole line of HAYSTACK
    if grep -qxF -- "$3" <<<"$2"; then ok "$1"; else fail "$1: no line '$3' in:"; printf '%s\n' "$2"; fi
}

# --- build the driver
CF="$(apr-1-config --cflags --cppflags --includes) $(apu-1-config --includes) $(xml2-config --cflags)"
# shellcheck disable=SC2086,SC2046
gcc -std=c11 -Wall -Wextra -Werror $CF -I"$REPO/include" -I"$REPO/modules/core" -o "$TMP/lookup_main" \
    "$REPO/tests/ldap/lookup_main.c" "$REPO/modules/core/ldap.c" \
    $(apu-1-config --link-ld) $(apr-1-config --link-ld) -lldap -llber
ok "ldap.c and lookup_main.c compile with -Wall -Wextra -Werror"
if "$TMP/lookup_main" --escape >/dev/null; then ok "filter escaping of * ( ) \\ NUL"; else fail "filter escaping"; fi

# --- slapd: first run builds, loads schema and sample data
"$REPO/tools/slapd-run" --dir "$TMP/slapd" --port "$PORT" >/dev/null
ok "slapd-run first start (schema and sample directory loaded)"

# --- ldapsearch as the reader
q() { ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -D "$READER" -w sample -b "${2:-$BASE}" "$1" "${@:3}"; }
out=$(q '(uid=alice)' "$BASE" itsmPartyRef)
expect "reader: alice's party" "$out" "itsmPartyRef: itsmPartyId=ALPE,ou=parties,$BASE"
out=$(q '(uid=prov1)' "$BASE" itsmPartyRef)
expect "reader: prov1's party" "$out" "itsmPartyRef: itsmPartyId=ESGS,ou=parties,$BASE"
out=$(q '(itsmPartyId=ESGS)' "$BASE" itsmActsFor)
expect "reader: ESGS acts for ALPE" "$out" "itsmActsFor: itsmPartyId=ALPE,ou=parties,$BASE"
if grep -q BRMP <<<"$out"; then fail "ESGS must not act for BRMP"; else ok "ESGS does not act for BRMP"; fi
out=$(q "(member=uid=alice,ou=people,$BASE)" "$BASE" cn)
expect "reader: alice is market-participant" "$out" "cn: market-participant"
out=$(q '(uid=alice)' "$BASE" userPassword)
if grep -q userPassword <<<"$out"; then fail "reader must not read userPassword"; else ok "reader cannot read userPassword"; fi
if ldapwhoami -x -H "$URL" -D "uid=alice,ou=people,$BASE" -w sample >/dev/null; then ok "alice binds with password sample"; else fail "alice bind"; fi
if ldapsearch -x -LLL -H "$URL" -b "$BASE" '(uid=alice)' 2>/dev/null | grep -q '^dn:'; then
    fail "anonymous must not read people"; else ok "anonymous reads nothing"; fi

# --- ldap.c through the driver
look() { "$TMP/lookup_main" "$URL" "$READER" sample "$BASE" "$@"; }
out=$(look alice) || fail "lookup alice exit $?"
expect "lookup alice: party"   "$out" "party=ALPE"
expect "lookup alice: roles"   "$out" "roles=market-participant"
expect "lookup alice: no acts-for" "$out" "acts_for="
out=$(look alice alice --clear alice) || fail "lookup alice x3 exit $?"
expect "derived string made once for a cached identity" "$out" "derived=ALPE:market-participant derives=1"
if [ "$(grep -c '^derived=ALPE:market-participant derives=1$' <<<"$out")" = 2 ]; then
    ok "the second lookup reads the derived string from the cache"; else fail "derived from the cache: $out"; fi
expect "after the cache is emptied the string is derived again" "$out" "derived=ALPE:market-participant derives=2"
out=$(look ALICE ALICE) || fail "lookup ALICE exit $?"
if [ "$(grep -c '^login=alice$' <<<"$out")" = 2 ]; then
    ok "a login in other capitals is the entry's uid (alice), from the cache too"
else fail "login as the directory spells it: $out"; fi
out=$(look res2) || fail "lookup res2 exit $?"
expect "a group of two cn values goes by its DN's" "$out" "groups=DIP Monitoring Team"
out=$(look prov1) || fail "lookup prov1 exit $?"
expect "lookup prov1: party"    "$out" "party=ESGS"
expect "lookup prov1: acts for" "$out" "acts_for=ALPE,MTRW"
out=$(look res1) || fail "lookup res1 exit $?"
expect "lookup res1: group" "$out" "groups=SDS Team (Callisto)"
expect "lookup res1: roles" "$out" "roles=cab-member,resolver"
out=$(look admin1) || fail "lookup admin1 exit $?"
expect "lookup admin1: Elexon" "$out" "party=ELEX"
out=$(look --parties=alpe,NOPE,BRMP) || fail "party IDs exit $?"
expect "party IDs: those the directory holds, as it spells them" "$out" "parties=ALPE,BRMP"
out=$(look '--parties=*,A*,ALPE)(itsmPartyId=*') || fail "party IDs exit $?"
expect "party IDs: a filter in an ID matches nothing" "$out" "parties="
for login in '*)(uid=*' '*' 'ali*' 'alice)(|(uid=*' 'al\2a' 'nobody'; do
    rc=0; out=$(look "$login") || rc=$?
    if [ "$rc" = 2 ] && grep -q NOTFOUND <<<"$out"; then ok "lookup '$login' is NOTFOUND"
    else fail "lookup '$login' must be NOTFOUND (rc $rc): $out"; fi
done
rc=0; out=$("$TMP/lookup_main" "$URL" "$READER" wrong "$BASE" alice) || rc=$?
if [ "$rc" = 1 ] && grep -q ERROR <<<"$out"; then ok "bad bind password is an error, not NOTFOUND"; else fail "bad bind password: rc $rc $out"; fi

# --- restart under a running process: a stale pooled handle is replaced once
look alice --clear --wait="$TMP/restarted" alice >"$TMP/restart.out" 2>&1 & lpid=$!
for _ in $(seq 1 100); do grep -q '^party=' "$TMP/restart.out" && break; sleep 0.1; done
"$REPO/tools/slapd-run" --dir "$TMP/slapd" --stop >/dev/null
"$REPO/tools/slapd-run" --dir "$TMP/slapd" --port "$PORT" >/dev/null
touch "$TMP/restarted"
ok "slapd-run second start keeps data"
rc=0; wait "$lpid" || rc=$?
if [ "$rc" = 0 ] && [ "$(grep -c '^party=ALPE$' "$TMP/restart.out")" = 2 ]; then
    ok "lookup after slapd restart succeeds on a fresh handle"
else fail "lookup across restart (rc $rc):"; cat "$TMP/restart.out"; fi

# --- slapd hung (SIGSTOP: TCP still accepted, no answer): bounded by the 3 s timeout
spid=$(cat "$TMP/slapd/slapd.pid")
kill -STOP "$spid"
start=$(date +%s)
rc=0; out=$(timeout 30 "$TMP/lookup_main" "$URL" "$READER" sample "$BASE" alice) || rc=$?
secs=$(( $(date +%s) - start ))
kill -CONT "$spid"
if [ "$rc" = 1 ] && grep -q ERROR <<<"$out" && [ "$secs" -le 10 ]; then
    ok "slapd hung: error in ${secs}s ($out)"
else fail "slapd hung: rc $rc after ${secs}s: $out"; fi

# --- slapd down: fails fast, never NOTFOUND
"$REPO/tools/slapd-run" --dir "$TMP/slapd" --stop >/dev/null
start=$(date +%s)
rc=0; out=$(timeout 20 "$TMP/lookup_main" "$URL" "$READER" sample "$BASE" alice) || rc=$?
secs=$(( $(date +%s) - start ))
if [ "$rc" = 1 ] && grep -q ERROR <<<"$out" && [ "$secs" -le 5 ]; then
    ok "slapd stopped: error in ${secs}s ($out)"
else fail "slapd stopped: rc $rc after ${secs}s: $out"; fi

if [ "$fails" -eq 0 ]; then echo "smoke: all passed"; else echo "smoke: $fails failed"; exit 1; fi
