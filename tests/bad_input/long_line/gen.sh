# 50 MB on one line, no newline, words but no sentence end.
python3 - "$1/bad.txt" <<'PY'
import sys
chunk = ("lorem ipsum dolor sit amet consectetur " * 1000).encode()
with open(sys.argv[1], "wb") as f:
    for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
        f.write(chunk)
PY
