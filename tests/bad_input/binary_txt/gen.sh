# A PNG header and random bytes under a .txt name.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' > "$1/bad.txt"
head -c 4096 /dev/urandom >> "$1/bad.txt"
