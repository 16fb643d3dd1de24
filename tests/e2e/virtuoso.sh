#!/usr/bin/env bash
# A real triple store: Virtuoso loads the Turtle of the bundled corpus and
# answers the questions users ask.  Starts its own server on 127.0.0.1 with
# a temporary database and stops it by its pid.  Fails (does not skip) if
# the server cannot start.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
command -v virtuoso-t >/dev/null || fail "virtuoso-t not installed (.ci/setup installs it)"

"$KG" build -q --json -o "$TMP/out" corpus >"$TMP/summary.json" || fail "build"
facts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["facts"]["total"])' "$TMP/summary.json")

# Free ports: from a range above the usual ones, checked with bash's /dev/tcp.
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
sql=0
for p in $(seq 21111 21191); do
  if port_free "$p" && port_free $((p + 1000)); then sql=$p; break; fi
done
[ "$sql" -ne 0 ] || fail "no free port"
db=$TMP/db
mkdir -p "$db"
cat >"$db/virtuoso.ini" <<INI
[Database]
DatabaseFile = $db/virtuoso.db
ErrorLogFile = $db/virtuoso.log
LockFile = $db/virtuoso.lck
TransactionFile = $db/virtuoso.trx
xa_persistent_file = $db/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = $db/virtuoso-temp.db
TransactionFile = $db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:$sql
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 5
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., $TMP
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:$((sql + 1000))
ServerThreads = 2
INI
(cd "$db" && exec virtuoso-t -f -c "$db/virtuoso.ini" >"$db/stdout" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$TMP"' EXIT
isql() { isql-vt "$sql" dba dba "exec=$1" 2>&1; }
up=0
for _ in $(seq 120); do
  if isql "status();" | grep -q "Connected"; then up=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.5
done
[ $up -eq 1 ] || { cat "$db/stdout" "$db/virtuoso.log" 2>/dev/null | tail -20; fail "Virtuoso did not start"; }

G=http://kg.test/corpus
isql "DB.DBA.TTLP_MT(file_to_string_output('$TMP/out/graph.ttl'), '', '$G', 0);" >"$TMP/load" 
grep -qi "error" "$TMP/load" && { cat "$TMP/load"; fail "TTLP_MT rejected graph.ttl"; }

PFX='PREFIX kg: <http://example.org/kg/ontology#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>'

# 1. Who advocates closed source, and which sentences say so?
isql "SPARQL $PFX SELECT ?who ?text FROM <$G> WHERE { ?st rdf:subject ?w ; rdf:predicate kg:advocates ; rdf:object <http://example.org/kg/entity/ClosedSource> ; kg:evidence ?ev . ?w rdfs:label ?who . ?ev nif:anchorOf ?text } ORDER BY ?who;" >"$TMP/q1"
cat "$TMP/q1"
grep -qE '^[0-9]+ Rows' "$TMP/q1" || fail "query 1 failed"
grep -qE '^0 Rows' "$TMP/q1" && fail "nobody advocates closed-source"

# 2. Every releases fact with qualifier open-weights.
isql "SPARQL $PFX SELECT ?org ?model FROM <$G> WHERE { ?st rdf:subject ?o ; rdf:predicate kg:releases ; rdf:object ?m ; kg:qualifier \"open-weights\" . ?o rdfs:label ?org . ?m rdfs:label ?model . ?o kg:releases ?m } ORDER BY ?org ?model;" >"$TMP/q2"
cat "$TMP/q2"
grep -qE '^0 Rows' "$TMP/q2" && fail "no open-weights releases"
grep -qE '^[0-9]+ Rows' "$TMP/q2" || fail "query 2 failed"

# 3. The store holds as many facts as kg reported.
isql "SPARQL SELECT COUNT(?st) FROM <$G> WHERE { ?st a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> };" >"$TMP/q3"
n=$(awk '/^_+$/{getline; getline; print $1; exit}' "$TMP/q3")
[ "$n" = "$facts" ] || { cat "$TMP/q3"; fail "store has $n statements, kg reported $facts facts"; }
echo "virtuoso: $facts facts loaded and queried"
