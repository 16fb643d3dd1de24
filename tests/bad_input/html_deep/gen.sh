# 100,000 nested <div>s around one paragraph.
python3 - "$1/bad.html" <<'PY'
import sys
n = 100000
s = "<html><body>" + "<div>" * n + "<p>Deep text here.</p>" + "</div>" * n + "</body></html>\n"
open(sys.argv[1], "w").write(s)
PY
