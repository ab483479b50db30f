#!/bin/sh
# run.sh - the performance benchmark (`make bench`); not a timed test.
# Generates N concurrent G.711 calls of S seconds with threatrec-pcapgen
# (default 1,000 x 60 s: about 6 M packets, 1.4 GB) and measures in one run:
#   1. the libpcap read ceiling (tests/bench/pcapread.c: a loop that only reads;
#      also with the file opened as the sniffer opens it, stdio locking off), and
#      a bare parse-hash-copy loop into shared memory (tests/bench/floor.c:
#      sequential, and per-call chunks as the ring keeps packets)
#   2. threatrec-sniffer -r FILE: full ingest into a ring big enough for all of it
#      (its own packets/s line), and its peak memory beyond the ring
#   3. threatrec-decode wav --ring NAME --all: every call as a stereo WAV, read
#      from that ring by one process
#   4. threatrec-decode wav FILE --call-id ID: one call straight from the file
#      (the engine follows every call but stores only that one)
#   5. tshark -n -q -z rtp,streams -r FILE
# Prints a table and writes it to $B/bench/results.md.
# Environment: BENCH_CALLS (1000) BENCH_SECONDS (60); BENCH_TSHARK=0 skips
# tshark; BENCH_KEEP=1 keeps the capture and the WAVs in $B/bench; BENCH_MLOCK=true
# locks the ring as production does (the pages are then faulted in before ingest).
# Small try-out: BENCH_CALLS=50 BENCH_SECONDS=20 tests/bench/run.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case "$B" in /*) bin=$B ;; *) bin="$top/$B" ;; esac
out="$bin/bench"
calls=${BENCH_CALLS:-1000}
secs=${BENCH_SECONDS:-60}
pcap="$out/bench-${calls}x${secs}.pcap"
ring="/threatrec-bench-$$"
snf_pid=""

for p in threatrec-pcapgen threatrec-sniffer threatrec-decode; do
	[ -x "$bin/$p" ] || { echo "bench: $bin/$p missing; run make all first" >&2; exit 1; }
done
mkdir -p "$out"
rm -rf "$out/wav"
mkdir -p "$out/wav"

cleanup() {
	if [ -n "$snf_pid" ] && kill -0 "$snf_pid" 2>/dev/null; then
		kill -TERM "$snf_pid" 2>/dev/null || true
		wait "$snf_pid" 2>/dev/null || true
	fi
	rm -f "/dev/shm$ring" "/dev/shm$ring.marks"   # normally already unlinked by the sniffer
	if [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -f "$pcap"
		rm -rf "$out/wav"
	fi
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\n\", $2 }"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: $calls concurrent calls of $secs s (load average $load0)"

# 0. the capture
t0=$(now)
"$bin/threatrec-pcapgen" -o "$pcap" --calls "$calls" --concurrent --duration "$secs" \
	--caller-talk 1-$((secs / 2)) --callee-talk $((secs / 2 + 1))-$((secs - 1))
t1=$(now)
size=$(wc -c < "$pcap")
echo "bench: generated $pcap ($size bytes) in $(calc '%.1f' "$t1 - $t0") s"

# 1. libpcap read ceiling: the second of two runs (the first warms the page cache)
cc -O2 -o "$out/pcapread" "$top/tests/bench/pcapread.c" $(pkg-config --cflags --libs libpcap)
"$out/pcapread" "$pcap" > /dev/null
set -- $("$out/pcapread" "$pcap")
pkts=$1 read_s=$3 read_pps=$4 read_cpu=$5
read_cpps=$(calc '%.0f' "$pkts / ($read_cpu > 0 ? $read_cpu : 1e-9)")
echo "bench: libpcap read: $pkts packets in $read_s s = $read_pps packets/s ($read_cpu s CPU)"
# the same loop reading the file as the sniffer opens it (stdio locking off):
# the stricter yardstick, also reported
set -- $("$out/pcapread" -u "$pcap")
uread_s=$3 uread_pps=$4 uread_cpu=$5
uread_cpps=$(calc '%.0f' "$pkts / ($uread_cpu > 0 ? $uread_cpu : 1e-9)")
echo "bench: libpcap read, unlocked FILE: $uread_s s = $uread_pps packets/s ($uread_cpu s CPU)"
# the issue's other yardstick, a bare parse-hash-copy loop into shared memory
# (tests/bench/floor.c): one sequential stream, and one write position per
# destination in 64 KiB chunks, the shape of our ring
cc -O2 -o "$out/floor" "$top/tests/bench/floor.c" $(pkg-config --cflags --libs libpcap)
set -- $("$out/floor" seq "$pcap")
floor_seq=$3
set -- $("$out/floor" percall "$pcap")
floor_pc=$3
echo "bench: bare parse-hash-copy loop: sequential $floor_seq packets/s, per-call chunks $floor_pc packets/s"

# 2. sniffer ingest into a ring that holds everything (1.5 x the file; mlock off
#    unless BENCH_MLOCK=true, so the benchmark does not pin gigabytes), kept
#    with --hold for step 3
ring_mb=$(( size * 3 / 2 / 1048576 + 64 ))
slots=$(( calls * 2 > 1024 ? calls * 2 : 1024 ))
"$bin/threatrec-sniffer" -r "$pcap" --ring "$ring" --hold -s ring.size=${ring_mb}M \
	-s ring.slots=$slots -s ring.mlock=${BENCH_MLOCK:-false} -s ring.grace=3600s 2> "$out/sniffer.err" &
snf_pid=$!
# its CPU time when the capture loop starts (after the ring is created and
# populated): the log line "ring NAME: ...; reading FILE" comes right before
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
snf_cpu0=""
i=0
until grep -q 'input ended' "$out/sniffer.err"; do
	if [ -z "$snf_cpu0" ] && grep -q '; reading ' "$out/sniffer.err"; then
		snf_cpu0=$(cpu_of "$snf_pid")
		continue
	fi
	if ! kill -0 "$snf_pid" 2>/dev/null; then
		echo "bench: the sniffer stopped:" >&2
		cat "$out/sniffer.err" >&2
		exit 1
	fi
	i=$((i + 1))
	[ $i -lt 6000 ] || { echo "bench: the sniffer did not finish in 10 min" >&2; exit 1; }
	[ -n "$snf_cpu0" ] && sleep 0.1 || sleep 0.01
done
# CPU time of the whole sniffer process so far (start-up + ingest): utime + stime
snf_cpu=$(cpu_of "$snf_pid")
[ -n "$snf_cpu0" ] || snf_cpu0=0
snf_loop_cpu=$(calc '%.3f' "$snf_cpu - $snf_cpu0")
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$snf_pid/status")
shm=$(awk '/^RssShmem:/ {print $2}' "/proc/$snf_pid/status")
snf_extra_mb=$(calc '%.1f' "($hwm - $shm) / 1024")
echo "bench: sniffer peak RSS $((hwm / 1024)) MiB, of which ring $((shm / 1024)) MiB"

# 3. every call to WAV, from the ring, by one process (--all: one ring mapping,
#    calls in first-packet order, DIR/NNNNN-CALLID.wav listed on stdout)
"$bin/threatrec-decode" calls --ring "$ring" > "$out/calls.jsonl"
python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["call_id"])' "$out/calls.jsonl" > "$out/ids"
ncalls=$(wc -l < "$out/ids")
t0=$(now)
/usr/bin/time -f '%e %U %S %M' -o "$out/time.out" "$bin/threatrec-decode" wav --ring "$ring" \
	--all -o "$out/wav" > "$out/wavs" 2> "$out/decode.err" \
	|| { echo "bench: decode --all failed:" >&2; cat "$out/decode.err" >&2; exit 1; }
t1=$(now)
set -- $(tail -n 1 "$out/time.out")
all_cpu=$(calc '%.2f' "$2 + $3")
dec_rss=$4
all_s=$(calc '%.2f' "$t1 - $t0")
nwav=$(wc -l < "$out/wavs")
[ "$nwav" -eq "$ncalls" ] || { echo "bench: $nwav WAVs for $ncalls calls" >&2; exit 1; }
all_cps=$(calc '%.1f' "$ncalls / ($t1 - $t0)")
echo "bench: $ncalls WAVs from the ring in $all_s s = $all_cps calls/s, $all_cpu s CPU (decoder peak RSS $((dec_rss / 1024)) MiB, the ring mapping included)"
# the WAVs must be real: check the first and the last call's tones
for n in 1 "$ncalls"; do
	python3 "$top/tests/tools/tonecheck.py" --quiet "$(sed -n "${n}p" "$out/wavs")" --length "$secs" \
		--expect "left:440:1-$((secs / 2))" --expect "right:1000:$((secs / 2 + 1))-$((secs - 1))" \
		|| { echo "bench: the WAV of call $(sed -n "${n}p" "$out/ids") is wrong" >&2; exit 1; }
done

kill -TERM "$snf_pid"
wait "$snf_pid" || true
snf_pid=""
line=$(grep 'packets/s' "$out/sniffer.err" | tail -n 1)
snf_pkts=$(echo "$line" | sed -n 's/.*: \([0-9]*\) packets (.*/\1/p')
snf_s=$(echo "$line" | sed -n 's/.* in \([0-9.]*\) s = .*/\1/p')
snf_pps=$(echo "$line" | sed -n 's/.* = \([0-9]*\) packets\/s.*/\1/p')
snf_cpps=$(calc '%.0f' "$snf_pkts / $snf_loop_cpu")
echo "bench: sniffer: $line"
echo "bench: sniffer CPU time: $snf_cpu s in all, $snf_cpu0 s start-up (ring population), $snf_loop_cpu s in the capture loop = $snf_cpps packets per CPU second of the loop"

# 4. one call straight from the file (the middle one)
mid=$(sed -n "$(( (ncalls + 1) / 2 ))p" "$out/ids")
/usr/bin/time -f '%e %U %S %M' -o "$out/time.out" "$bin/threatrec-decode" wav "$pcap" --call-id "$mid" \
	-o "$out/wav/one.wav" 2> "$out/decode.err"
set -- $(tail -n 1 "$out/time.out")
one_s=$1 one_cpu=$(calc '%.2f' "$2 + $3") one_rss=$4
python3 "$top/tests/tools/tonecheck.py" --quiet "$out/wav/one.wav" --length "$secs" \
	--expect "left:440:1-$((secs / 2))" --expect "right:1000:$((secs / 2 + 1))-$((secs - 1))" \
	|| { echo "bench: the WAV of call $mid (from the file) is wrong" >&2; exit 1; }
echo "bench: one call from the file: $one_s s, $one_cpu s CPU (peak RSS $((one_rss / 1024)) MiB)"

# 5. tshark
if [ "${BENCH_TSHARK:-1}" != 0 ] && command -v tshark > /dev/null; then
	/usr/bin/time -f '%e %U %S %M' -o "$out/time.out" tshark -n -q -z rtp,streams -r "$pcap" \
		> "$out/tshark.out" 2> /dev/null
	set -- $(tail -n 1 "$out/time.out")
	ts_s=$1 ts_cpu=$(calc '%.2f' "$2 + $3") ts_rss=$4
	ts_pps=$(calc '%.0f' "$pkts / $ts_s")
	ts_cpps=$(calc '%.0f' "$pkts / $ts_cpu")
	ratio=$(calc '%.1f' "$snf_pps / $ts_pps")
	cratio=$(calc '%.1f' "$snf_cpps / $ts_cpps")
	echo "bench: tshark: $ts_s s, $ts_cpu s CPU, peak RSS $((ts_rss / 1024)) MiB"
else
	ts_s=- ts_cpu=- ts_rss=0 ts_pps=- ts_cpps=- ratio=- cratio=-
fi

share=$(calc '%.0f' "100 * $snf_pps / $read_pps")
cshare=$(calc '%.0f' "100 * $snf_cpps / $read_cpps")
ushare=$(calc '%.0f' "100 * $snf_pps / $uread_pps")
fshare=$(calc '%.0f' "100 * $snf_pps / $floor_pc")
fsseq=$(calc '%.0f' "100 * $floor_seq / $read_pps")
fspc=$(calc '%.0f' "100 * $floor_pc / $read_pps")
ucshare=$(calc '%.0f' "100 * $snf_cpps / $uread_cpps")
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
	echo "# threatrec benchmark: $calls concurrent G.711 calls of $secs s"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $cpu, $(nproc) cores shared with other work"
	echo "(load average at the start: $load0), build folder $B. Capture: $pkts packets, $size bytes."
	echo "Wall-clock rates suffer when the other core is busy; CPU-time rates (user + system"
	echo "time of the process) are steadier."
	echo
	echo "| measure | wall clock | per CPU second | note |"
	echo "|---|---|---|---|"
	echo "| libpcap read ceiling | $read_pps packets/s | $read_cpps packets/s | $pkts packets in $read_s s, $read_cpu s CPU (warm page cache; pcap_open_offline) |"
	echo "| libpcap read ceiling, unlocked FILE | $uread_pps packets/s | $uread_cpps packets/s | $uread_s s, $uread_cpu s CPU; the file opened as the sniffer opens it (stdio locking off) |"
	echo "| bare parse-hash-copy loop, sequential | $floor_seq packets/s | | ${fsseq}% of the ceiling; tests/bench/floor.c: parse, hash, copy into shared memory, one write stream |"
	echo "| bare parse-hash-copy loop, per-call chunks | $floor_pc packets/s | | ${fspc}% of the ceiling; the same, one write position per destination in 64 KiB chunks (the ring's shape) |"
	echo "| sniffer ingest into the ring | $snf_pps packets/s | $snf_cpps packets/s | ${share}% of the ceiling (CPU: ${cshare}%), ${ushare}% of the unlocked one (CPU: ${ucshare}%), ${fshare}% of the per-call bare loop; $snf_pkts packets in $snf_s s and $snf_loop_cpu s CPU in the capture loop; start-up (populating the ${ring_mb} MiB ring) $snf_cpu0 s CPU more; aim >= 50% |"
	echo "| sniffer vs tshark | ${ratio}x | ${cratio}x | tshark: $ts_pps packets/s, $ts_s s, $ts_cpu s CPU, peak RSS $((ts_rss / 1024)) MiB; aim >= 50x |"
	echo "| all calls to WAV (from the ring) | $all_cps calls/s | | $ncalls stereo WAVs in $all_s s, $all_cpu s CPU, one process (--all); aim: 1,000 in < 10 s |"
	echo "| one call to WAV (from the file) | $one_s s | $one_cpu s CPU | decoder peak RSS $((one_rss / 1024)) MiB |"
	echo "| sniffer peak memory beyond the ring | $snf_extra_mb MiB | | VmHWM - RssShmem after ingest; aim < 256 MiB |"
	echo "| decoder peak memory (ring reads) | $((dec_rss / 1024)) MiB | | peak RSS of the --all run, incl. the pages of the shared ring it read |"
} > "$out/results.md"
echo
cat "$out/results.md"
