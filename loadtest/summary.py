"""Print Locust's CSV as the figures docs/RELIABILITY.md quotes: per page requests, failures,
p50/p95/p99 (ms); then the failures, leaks first."""
import csv
import sys

stats, failures = sys.argv[1], sys.argv[2]
print(f"{'page':28} {'requests':>8} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}")
for row in csv.DictReader(open(stats)):
    print(f"{row['Name'][:28]:28} {row['Request Count']:>8} {row['Failure Count']:>5} {row['50%']:>6} "
          f"{row['95%']:>6} {row['99%']:>6} {float(row['Max Response Time']):>7.0f}")
rows = list(csv.DictReader(open(failures)))
leaks = sum(int(r["Occurrences"]) for r in rows if "LEAK" in r["Error"])
print(f"failures: {sum(int(r['Occurrences']) for r in rows)}  cross-firm leaks: {leaks}")
for r in rows[:10]:
    print(f"  {r['Occurrences']:>5} {r['Method']} {r['Name']}: {r['Error'][:120]}")
