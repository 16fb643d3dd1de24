# A sentence of 5,000 a's, then a 'c' so (a+)+b cannot match there, and a
# 'b' later so PCRE2's required-character check does not save it.
python3 - "$1/bad.txt" <<'PY'
import sys
open(sys.argv[1], "w").write("a" * 5000 + "c Owl 7 and a b\n")
PY
