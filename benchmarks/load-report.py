#!/usr/bin/env python3
"""Turns the results of benchmarks/run-load.sh into the Markdown tables of docs/benchmarks.md.

usage: load-report.py OUT_DIR   (reads OUT_DIR/results.txt, machine.txt, scale-*.txt, pmult-gc.log)

Each line of results.txt is "label=L loadavg=A/B result key=value ..." as pmult-sim load prints it.
Where a point was run several times (REPEAT), the tables give the median of each figure.
"""
import os
import re
import statistics
import sys

RATIO_TARGET = 0.90
ADDED_P50_TARGET_US = 500
CPU_TARGET = 1.0          # pmult's CPU per transaction at most the fronted milter's
SCALE_HEAP_MIB = 512
STEAL_WARNING_PCT = 5   # a run that lost more of the machine to the hypervisor is flagged


def load(path):
    runs = []
    with open(path) as results:
        for line in results:
            fields = dict(pair.split("=", 1) for pair in line.split() if "=" in pair)
            if "label" in fields and "tps" in fields:
                runs.append(fields)
    return runs


def pick(runs, label, mode):
    return [r for r in runs if r["label"] == label and r["mode"] == mode]


def median(runs, key):
    values = [float(r[key]) for r in runs if key in r and float(r[key]) >= 0]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def ratio_table(runs, out, variant="", direct_label="ratio-"):
    """variant "noreuse-", "tuned-", "series-" (or "nospin-", run F's spin 0): another pmult, paired with the same direct runs;
    "noreply-" with direct_label "ratio-noreply-": a pmult and direct runs of their own milter."""
    out.append("| sessions | direct tx/s | through pmult tx/s | ratio, median of runs (target ≥ 0.90) | "
               "per-run ratios | CPU µs/tx direct: generator + milter | "
               "CPU µs/tx via pmult: generator + pmult + milter | pmult CPU / milter CPU (target ≤ 1), per run |")
    out.append("|---:|---:|---:|---|---|---|---|---|")
    for sessions in (1, 100, 1000):
        label = f"{direct_label}{sessions}"
        direct, through = pick(runs, label, "milter"), pick(runs, f"ratio-{variant}{sessions}", "pmilter")
        if not direct or not through:
            continue
        d, t = median(direct, "tps"), median(through, "tps")
        # each pmult run followed its direct run: the median of the paired ratios is the least noisy figure
        pairs = [float(b["tps"]) / float(a["tps"]) for a, b in zip(direct, through) if float(a["tps"]) > 0]
        if not pairs:
            continue
        ratio = statistics.median(pairs)
        milters = "cpu_us_per_tx.milter"
        cpu = [float(r["cpu_us_per_tx.pmult"]) / float(r[milters]) for r in through
               if float(r.get(milters, 0)) > 0 and "cpu_us_per_tx.pmult" in r]
        second = median(through, "cpu_us_per_tx.milter2")
        out.append("| {} | {} | {} | {:.3f} {} | {} | {} + {} | {} + {} + {}{} | {} |".format(
            f"{sessions:,}", fmt(d), fmt(t), ratio, verdict(ratio >= RATIO_TARGET),
            ", ".join(f"{p:.2f}" for p in pairs),
            fmt(median(direct, "cpu_us_per_tx.generator")), fmt(median(direct, "cpu_us_per_tx.milter")),
            fmt(median(through, "cpu_us_per_tx.generator")), fmt(median(through, "cpu_us_per_tx.pmult")),
            fmt(median(through, milters)), "" if second is None else " + " + fmt(second),
            "{:.2f} ({})".format(statistics.median(cpu), ", ".join(f"{c:.2f}" for c in cpu)) if cpu else "–"))


def latency_table(runs, out):
    direct, through = pick(runs, "latency-1000", "milter"), pick(runs, "latency-1000", "pmilter")
    if not direct or not through:
        return
    others = [("one connection per session (reuse-connections no)", pick(runs, "latency-noreuse-1000", "pmilter")),
              ("event-loops spin 0 (no spin)", pick(runs, "latency-nospin-1000", "pmilter")),
              ("event-loops spin 50us", pick(runs, "latency-tuned-1000", "pmilter")),
              ("two milters in series", pick(runs, "latency-series-1000", "pmilter"))]
    out.append("| 1,000 sessions, 250 ms think time | tx/s | p50 µs | p90 µs | p99 µs | p99.9 µs | p99 µs of each run | errors |")
    out.append("|---|---:|---:|---:|---:|---:|---|---:|")
    rows = [("direct Milter", direct), ("through pmult", through)]
    rows += [("through pmult, " + name, rs) for name, rs in others if rs]
    for name, rs in rows:
        out.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
            name, fmt(median(rs, "tps")), fmt(median(rs, "p50_us")), fmt(median(rs, "p90_us")),
            fmt(median(rs, "p99_us")), fmt(median(rs, "p99.9_us")), ", ".join(fmt(float(r["p99_us"])) for r in rs),
            fmt(median(rs, "errors"))))
    # paired differences, each pmult run against the direct run just before it
    for name, variant in [("", through)] + [(" with " + n, rs) for n, rs in others if rs]:
        diffs50 = [float(b["p50_us"]) - float(a["p50_us"]) for a, b in zip(direct, variant)]
        added50 = statistics.median(diffs50)
        added99 = statistics.median(float(b["p99_us"]) - float(a["p99_us"]) for a, b in zip(direct, variant))
        out.append("| **added by pmult{}** (median of paired runs; each run) | | **{}** ({}, target ≤ {} µs; {}) | | "
                   "**{}** | | | |".format(name, fmt(added50), verdict(added50 <= ADDED_P50_TARGET_US).strip("*"),
                                            ADDED_P50_TARGET_US, ", ".join(fmt(x) for x in diffs50), fmt(added99)))


def series_table(runs, out):
    """Two milters in series against one: each series run paired with the defaults run of its round."""
    rows = []
    for sessions, label in ((1, "ratio-{}1"), (100, "ratio-{}100"), (1000, "ratio-{}1000"),
                            ("1,000, 250 ms think time", "latency-{}1000")):
        one, two = pick(runs, label.format(""), "pmilter"), pick(runs, label.format("series-"), "pmilter")
        if one and two:
            rows.append((sessions, one, two))
    if not rows:
        return
    out += ["", "### Two milters in series against one (pmult defaults, paired runs of the same rounds)", ""]
    out.append("| sessions | one milter tx/s | two in series tx/s | one milter p50 µs | two in series p50 µs | "
               "added p50 µs, median (each run) | pmult CPU µs/tx, one / two |")
    out.append("|---|---:|---:|---:|---:|---|---|")
    for sessions, one, two in rows:
        diffs = [float(b["p50_us"]) - float(a["p50_us"]) for a, b in zip(one, two)]
        out.append("| {} | {} | {} | {} | {} | {} ({}) | {} / {} |".format(
            sessions, fmt(median(one, "tps")), fmt(median(two, "tps")), fmt(median(one, "p50_us")),
            fmt(median(two, "p50_us")), fmt(statistics.median(diffs)), ", ".join(fmt(x) for x in diffs),
            fmt(median(one, "cpu_us_per_tx.pmult")), fmt(median(two, "cpu_us_per_tx.pmult"))))


def scale_table(runs, directory, out):
    big, small = pick(runs, "scale-10000", "pmilter"), pick(runs, "scale-1", "pmilter")
    if not big:
        return
    b = big[0]
    live = read(directory, "scale-live-heap.txt")
    live_mib = None
    match = re.search(r"Total\s+\d+\s+(\d+)", live or "")
    if match:
        live_mib = int(match.group(1)) / 1048576
    status = read(directory, "scale-status.txt") or ""
    fds = (read(directory, "scale-fds.txt") or "").strip()
    gc_max = max_heap_after_gc(os.path.join(directory, "pmult-gc.log"))
    out.append("| figure | value |")
    out.append("|---|---|")
    out.append(f"| sessions open at once (closed loop, 2 s think time) | 10,000 over {b['connections']} pmilter connections |")
    out.append(f"| transactions/s, errors | {fmt(float(b['tps']))}, {b['errors']} |")
    out.append(f"| latency p50 / p99 (waits only) | {fmt(float(b['p50_us']))} µs / {fmt(float(b['p99_us']))} µs |")
    out.append(f"| pmult threads with 10,000 sessions / with 1 session | {b.get('threads.pmult', '–')} / "
               f"{small[0].get('threads.pmult', '–') if small else '–'} |")
    if live_mib is not None:
        out.append(f"| pmult live heap mid-run (after a full GC) | {live_mib:.0f} MiB of {SCALE_HEAP_MIB} MiB (-Xmx512m) |")
    if gc_max is not None:
        out.append(f"| pmult heap after GC, highest of the whole run (GC log) | {gc_max} MiB |")
    rss = re.search(r"VmRSS:\s+(\d+)", status)
    if rss:
        out.append(f"| pmult resident memory mid-run | {int(rss.group(1)) / 1024:.0f} MiB |")
    if fds:
        out.append(f"| pmult open file descriptors mid-run | {fds} |")
    out.append(f"| pmult CPU per transaction | {fmt(float(b.get('cpu_us_per_tx.pmult', -1)))} µs |")


def growth_table(runs, out):
    out.append("| load | direct tx/s | via pmult tx/s | ratio | direct p50 µs | via pmult p50 µs | "
               "pmult CPU µs/tx | direct client CPU µs/tx |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = [("1 session", "ratio-1"), ("10 sessions", "growth-sessions-10"), ("100 sessions", "ratio-100"),
            ("1,000 sessions", "ratio-1000"),
            ("100 sessions, 1 rcpt", "growth-rcpt-1"), ("100 sessions, 5 rcpts", "growth-rcpt-5"),
            ("100 sessions, 1 KiB message", "growth-size-1K"), ("100 sessions, 10 KiB message", "growth-size-10K"),
            ("100 sessions, 100 KiB message", "growth-size-100K")]
    for name, label in rows:
        direct, through = pick(runs, label, "milter"), pick(runs, label, "pmilter")
        if not direct or not through:
            continue
        d, t = median(direct, "tps"), median(through, "tps")
        out.append("| {} | {} | {} | {:.2f} | {} | {} | {} | {} |".format(
            name, fmt(d), fmt(t), t / d if d else 0, fmt(median(direct, "p50_us")), fmt(median(through, "p50_us")),
            fmt(median(through, "cpu_us_per_tx.pmult")), fmt(median(direct, "cpu_us_per_tx.generator"))))


def real_milter_table(runs, out, milter, sessions_points, variant=""):
    """A real milter (label prefix and name "mailfromd" or "rspamd"): direct and through pmult, paired per run."""
    rows = []
    for sessions in sessions_points:
        label = f"{milter}-{sessions}"
        direct, through = pick(runs, label, "milter"), pick(runs, f"{milter}-{variant}{sessions}", "pmilter")
        if direct and through:
            rows.append((sessions, direct, through))
    if not rows:
        return
    out.append("| sessions | direct tx/s | via pmult tx/s | ratio | direct p50 / p99 µs | via pmult p50 / p99 µs | "
               f"errors direct / via pmult | {milter} CPU µs/tx | pmult CPU µs/tx | pmult CPU / {milter} CPU |")
    out.append("|---:|---:|---:|---:|---|---|---|---:|---:|---:|")
    for sessions, direct, through in rows:
        d, t = median(direct, "tps"), median(through, "tps")
        pairs = [float(b["tps"]) / float(a["tps"]) for a, b in zip(direct, through) if float(a["tps"]) > 0]
        milter_cpu, pmult_cpu = median(through, "cpu_us_per_tx.milter"), median(through, "cpu_us_per_tx.pmult")
        out.append("| {} | {} | {} | {:.2f} | {} / {} | {} / {} | {} / {} | {} | {} | {} |".format(
            sessions, fmt(d), fmt(t), statistics.median(pairs) if pairs else 0, fmt(median(direct, "p50_us")), fmt(median(direct, "p99_us")),
            fmt(median(through, "p50_us")), fmt(median(through, "p99_us")), fmt(median(direct, "errors")),
            fmt(median(through, "errors")), fmt(milter_cpu), fmt(pmult_cpu),
            fmt(pmult_cpu / milter_cpu, 2) if milter_cpu and pmult_cpu else "–"))


def max_heap_after_gc(path):
    """Highest 'after' heap of the GC log's pause lines (e.g. 'Pause Young (Normal) ... 120M->31M(512M)')."""
    if not os.path.exists(path):
        return None
    highest = None
    with open(path) as log:
        for line in log:
            match = re.search(r"\d+M->(\d+)M\(\d+M\)", line)
            if match:
                value = int(match.group(1))
                highest = value if highest is None else max(highest, value)
    return highest


def read(directory, name):
    path = os.path.join(directory, name)
    return open(path).read() if os.path.exists(path) else None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: load-report.py OUT_DIR")
    directory = sys.argv[1]
    runs = load(os.path.join(directory, "results.txt"))
    out = []
    machine = read(directory, "machine.txt")
    if machine:
        out += ["```", machine.strip(), "```", ""]
    out.append("### Throughput ratio (saturating closed loop, medians)")
    out.append("")
    ratio_table(runs, out)
    for variant, title in (("noreuse-", "one Milter connection per session (reuse-connections no)"),
                           ("nospin-", "event-loops spin 0 (no spin)"),
                           ("tuned-", "event-loops spin 50us"),
                           ("series-", "two milters in series (CPU: pmult + first milter + second milter)")):
        if pick(runs, f"ratio-{variant}1", "pmilter") or pick(runs, f"ratio-{variant}100", "pmilter"):
            out += ["", f"### Throughput ratio, pmult with {title} (same direct runs)", ""]
            ratio_table(runs, out, variant)
    if pick(runs, "ratio-noreply-1", "pmilter") or pick(runs, "ratio-noreply-100", "pmilter"):
        out += ["", "### Throughput ratio against a milter that negotiated no reply before end of message"
                " (continue-milter --no-reply, its own direct runs; pmult defaults)", ""]
        ratio_table(runs, out, "noreply-", "ratio-noreply-")
    series_table(runs, out)
    out += ["", "### Added latency at 1,000 sessions (below saturation, medians)", ""]
    latency_table(runs, out)
    out += ["", "### Scale: 10,000 concurrent sessions through pmult", ""]
    scale_table(runs, directory, out)
    out += ["", "### Growth with sessions, recipients and message size", ""]
    growth_table(runs, out)
    out += ["", "### Against GNU mailfromd (benchmarks/soak-filter.mfl)", ""]
    real_milter_table(runs, out, "mailfromd", (1, 10, 50))
    if pick(runs, "mailfromd-spin-1", "pmilter"):
        out += ["", "### Against GNU mailfromd, pmult with event-loops spin 50us (same direct runs)", ""]
        real_milter_table(runs, out, "mailfromd", (1, 10, 50), "spin-")
    if pick(runs, "rspamd-1", "pmilter") or pick(runs, "rspamd-10", "pmilter"):
        out += ["", "### Against rspamd (integration-tests/peers/rspamd: the proxy worker in milter mode, self-scan)", ""]
        real_milter_table(runs, out, "rspamd", (1, 10))
    loads = [r["loadavg"] for r in runs]
    if loads:
        out += ["", f"Load average (1 min) before/after each run: {', '.join(loads)}"]
    steals = [(r["label"], r["mode"], float(r["steal_pct"])) for r in runs if "steal_pct" in r]
    if steals:
        out += ["", "CPU time taken by the hypervisor (steal, % of the machine's) per run: "
                + ", ".join(f"{steal:.1f}" for _, _, steal in steals)]
        stolen = [f"{label} {mode} ({steal:.0f} %)" for label, mode, steal in steals if steal > STEAL_WARNING_PCT]
        if stolen:
            out += ["", f"**Runs that lost more than {STEAL_WARNING_PCT} % of the machine to the hypervisor** "
                    "(their throughput says more about the host than about pmult): " + ", ".join(stolen)]
    print("\n".join(out))


if __name__ == "__main__":
    main()
