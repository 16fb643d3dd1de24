# One sentence of about 200,000 characters without punctuation, with
# entity mentions all along so the rules have work on every stretch.
python3 - "$1/bad.txt" <<'PY'
import sys
unit = "Acme Labs and Owl 7 and Zed Moreau talk about weights and data "
s = (unit * (200000 // len(unit) + 1))[:200000]
open(sys.argv[1], "w").write(s + "\n")
PY
