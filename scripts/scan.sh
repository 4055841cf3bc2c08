#!/usr/bin/env bash
# Parapet tested by tools nobody here wrote (issue 5 §8; SPEC §5): sqlmap, wapiti, testssl.sh and
# nmap's ssl-enum-ciphers against a live hub on loopback with TLS (scripts/scan-hub.ts).
# Fails on any finding of medium severity or higher and on any weak cipher.
#
#   bash scripts/scan.sh            # installs missing Debian packages (root), ~5–10 min
#   SCAN_OUT=/tmp/x bash scripts/scan.sh   # keep the reports there
#
# Runtime is bounded: every tool runs under `timeout`, sqlmap without time-based techniques,
# wapiti with --max-scan-time / --max-attack-time. Total budget well under 15 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=${SCAN_OUT:-$(mktemp -d /tmp/parapet-scan.XXXXXX)}
mkdir -p "$OUT"
log() { printf '[scan] %s\n' "$*"; }
FINDINGS=0
finding() { printf '[scan] FINDING: %s\n' "$*"; FINDINGS=$((FINDINGS + 1)); }

# ------------------------------------------------------------------ tools (Debian packages)
declare -A PKG_OF=([sqlmap]=sqlmap [wapiti]=wapiti [testssl]=testssl.sh [nmap]=nmap)
missing=()
for tool in sqlmap wapiti testssl nmap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${PKG_OF[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "[scan] need root to apt-get install ${missing[*]}" >&2; exit 2; fi
  apt-get update -qq >"$OUT/apt.log" 2>&1 || { cat "$OUT/apt.log" >&2; exit 2; }
  for p in "${missing[@]}"; do
    apt-cache show "$p" >/dev/null 2>&1 || { echo "[scan] Debian package $p not found" >&2; exit 2; }
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$OUT/apt.log" 2>&1 || { tail -20 "$OUT/apt.log" >&2; exit 2; }
fi

# ------------------------------------------------------------------ the hub under test
TARGET="$OUT/target.json"
rm -f "$TARGET"
# Its own process group (setsid), so cleanup stops tsx's child node process too.
setsid npx tsx scripts/scan-hub.ts "$TARGET" >"$OUT/hub.log" 2>&1 &
HUB_PID=$!
cleanup() {
  kill -TERM -- "-$HUB_PID" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 -- "-$HUB_PID" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$HUB_PID" 2>/dev/null
  wait "$HUB_PID" 2>/dev/null
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  [ -s "$TARGET" ] && break
  kill -0 "$HUB_PID" 2>/dev/null || { cat "$OUT/hub.log" >&2; echo '[scan] the hub did not start' >&2; exit 2; }
  sleep 0.5
done
[ -s "$TARGET" ] || { cat "$OUT/hub.log" >&2; echo '[scan] the hub did not start in 60 s' >&2; exit 2; }
field() { node -e 'const t=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=process.argv[2].split(".").reduce((o,k)=>o?.[k],t);process.stdout.write(String(v??""))' "$TARGET" "$1"; }
URL=$(field url)
CA=$(field ca)
PORT=${URL##*:}
OPERATOR=$(field tokens.operator)
INGEST=$(field tokens.ingest)
AUDITOR=$(field tokens.auditor)
log "hub at $URL (CA fingerprint $(field fingerprint))"

# ------------------------------------------------------------------ sqlmap (ingest and query routes)
# Boolean, error and UNION techniques at level 2 (all GET/POST parameters and JSON body values);
# time-based techniques are left out to bound the runtime.
sqlmap_run() {
  local name=$1 token=$2; shift 2
  log "sqlmap: $name"
  timeout 240 sqlmap --batch --disable-coloring --flush-session --output-dir="$OUT/sqlmap" \
    --level=2 --risk=1 --technique=BEU --threads=4 --timeout=10 --retries=1 \
    -H "Authorization: Bearer $token" "$@" >"$OUT/sqlmap-$name.log" 2>&1
  local rc=$?
  # Only a confirmed injection counts: sqlmap re-checks every "appears to be injectable" hint and
  # reports a real one as "identified the following injection point(s)".
  if grep -Eq 'identified the following injection point|is vulnerable' "$OUT/sqlmap-$name.log"; then
    finding "sqlmap found an injection in $name (see $OUT/sqlmap-$name.log)"
  elif [ $rc -eq 124 ]; then
    finding "sqlmap timed out on $name"
  elif ! grep -Eq 'do not appear to be injectable|not injectable' "$OUT/sqlmap-$name.log"; then
    finding "sqlmap did not finish testing $name (see $OUT/sqlmap-$name.log)"
  fi
}
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sqlmap_run events-query "$OPERATOR" -u "$URL/api/v1/events?kind=camera.intrusion&device=cam-1&site=harbour&zone=gate-north&limit=10&order=desc"
sqlmap_run events-histogram "$OPERATOR" -u "$URL/api/v1/events/histogram?kind=camera.intrusion&device=cam-1&site=harbour&interval=1h"
sqlmap_run devices-query "$OPERATOR" -u "$URL/api/v1/devices?site=harbour&zone=gate-north&type=camera"
sqlmap_run audit-query "$AUDITOR" -u "$URL/api/v1/audit?actor=token:scan-admin&action=auth.login&target=admin&outcome=success&limit=10"
sqlmap_run events-ingest "$INGEST" -u "$URL/api/v1/events" -H 'Content-Type: application/json' \
  --data "{\"id\":\"sq-1\",\"ts\":\"$NOW\",\"device\":\"cam-1\",\"kind\":\"camera.intrusion\",\"data\":{\"zone\":\"gate-north\",\"object\":\"person\",\"confidence\":0.5}}"

# ------------------------------------------------------------------ wapiti (default modules, authenticated)
# The API has no HTML to crawl, so the query routes are given as start URLs. The default ("common")
# modules run except ssrf, which needs wapiti's public callback server (no network here); an empty
# local Wappalyzer database keeps wapiti from trying to download one at start.
log 'wapiti: default modules with an operator token'
mkdir -p "$OUT/wapiti-config" "$OUT/wapiti-session"
[ -s "$OUT/wapiti-config/apps.json" ] || echo '{}' >"$OUT/wapiti-config/apps.json"
timeout 480 wapiti -u "$URL/" --scope folder --flush-session --verify-ssl 0 -m 'common,-ssrf' \
  --store-config "$OUT/wapiti-config" --store-session "$OUT/wapiti-session" \
  -H "Authorization: Bearer $OPERATOR" \
  -s "$URL/api/v1/events?kind=camera.intrusion&device=cam-1&site=harbour&limit=10" \
  -s "$URL/api/v1/events/histogram?kind=camera.intrusion&interval=1h" \
  -s "$URL/api/v1/devices?site=harbour&zone=gate-north" \
  -s "$URL/api/v1/devices/cam-1" \
  -s "$URL/api/v1/auth/me" \
  -d 3 --max-scan-time 300 --max-attack-time 60 \
  -f json -o "$OUT/wapiti.json" >"$OUT/wapiti.log" 2>&1
rc=$?
if [ ! -s "$OUT/wapiti.json" ]; then
  finding "wapiti wrote no report (exit $rc; see $OUT/wapiti.log)"
else
  python3 - "$OUT/wapiti.json" <<'PY' || FINDINGS=$((FINDINGS + 1))
import json, sys
report = json.load(open(sys.argv[1]))
bad = []
for section in ("vulnerabilities", "anomalies"):
    for category, items in (report.get(section) or {}).items():
        for it in items:
            level = int(it.get("level", 0))
            print(f"[scan] wapiti {section}: {category} (level {level}) {it.get('method','')} {it.get('path','')} {it.get('info','')[:160]}")
            if level >= 2:  # wapiti: 2 medium, 3 high, 4 critical
                bad.append(category)
if bad:
    print(f"[scan] FINDING: wapiti reported {len(bad)} finding(s) of medium or higher: {sorted(set(bad))}")
    sys.exit(1)
PY
fi

# ------------------------------------------------------------------ testssl.sh
# Our per-install CA is added as trusted (clients pin it: SPEC §5.5). Findings that only describe
# a private CA are listed, with the reason, in ALLOWED below; everything else MEDIUM+ fails.
log 'testssl.sh'
# Every check except client simulations (informational only, and the slowest part).
timeout 420 testssl --quiet --color 0 --warnings off --connect-timeout 5 --openssl-timeout 5 \
  --protocols --standard --pfs --server-preference --server-defaults --headers --vulnerable --each-cipher \
  --add-ca "$CA" --jsonfile "$OUT/testssl.json" --ip 127.0.0.1 "127.0.0.1:$PORT" >"$OUT/testssl.log" 2>&1
rc=$?
if [ ! -s "$OUT/testssl.json" ]; then
  finding "testssl.sh wrote no report (exit $rc; see $OUT/testssl.log)"
else
  python3 - "$OUT/testssl.json" <<'PY' || FINDINGS=$((FINDINGS + 1))
import json, sys
# A private install CA publishes no CRL or OCSP responder: revocation is replacing the CA and
# re-enrolling clients (docs/security.md). Nothing else is excused.
ALLOWED = {"cert_revocation": "private per-install CA: no CRL/OCSP by design"}
findings = json.load(open(sys.argv[1]))
bad = []
for f in findings:
    sev = f.get("severity", "")
    if sev in ("MEDIUM", "HIGH", "CRITICAL"):
        why = ALLOWED.get(f.get("id", ""))
        print(f"[scan] testssl {sev}: {f.get('id')} = {f.get('finding')}" + (f"  (allowed: {why})" if why else ""))
        if not why:
            bad.append(f.get("id"))
    elif sev in ("LOW", "WARN"):
        print(f"[scan] testssl {sev}: {f.get('id')} = {f.get('finding')}")
if bad:
    print(f"[scan] FINDING: testssl.sh reported {len(bad)} finding(s) of medium or higher: {bad}")
    sys.exit(1)
PY
fi

# ------------------------------------------------------------------ nmap ssl-enum-ciphers
log 'nmap --script ssl-enum-ciphers'
timeout 180 nmap -Pn -n -p "$PORT" --script ssl-enum-ciphers 127.0.0.1 -oN "$OUT/nmap.txt" >/dev/null 2>&1
if [ ! -s "$OUT/nmap.txt" ] || ! grep -q 'least strength' "$OUT/nmap.txt"; then
  finding "nmap ssl-enum-ciphers produced no cipher list (see $OUT/nmap.txt)"
else
  grep -E 'TLSv|TLS_|least strength|warnings' "$OUT/nmap.txt" | sed 's/^/[scan] nmap /'
  if grep -Eq 'least strength: [^A]' "$OUT/nmap.txt" || grep -Eq ' - [B-F]$' "$OUT/nmap.txt"; then
    finding 'nmap rates a cipher below A'
  fi
  if grep -Eq 'warnings:|SSLv|TLSv1\.0|TLSv1\.1|CBC|RC4|3DES|_NULL_|EXPORT|_anon_' "$OUT/nmap.txt"; then
    finding 'nmap lists a weak protocol or cipher (see above)'
  fi
fi

# ------------------------------------------------------------------ verdict
if [ "$FINDINGS" -gt 0 ]; then
  log "FAILED: $FINDINGS finding(s); reports in $OUT"
  exit 1
fi
log "passed: sqlmap, wapiti, testssl.sh and nmap found nothing of medium or higher; reports in $OUT"
