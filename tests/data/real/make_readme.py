"""Regenerate README.md (counts, packet table, source list) from the data: python make_readme.py > README.md"""
import sys, collections
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent))
import load
rows = load.load_claims()
packets = load.load_packets()
C = collections.Counter
KIND = {
 "public_claims": "shared dev set (../shared/dev/public_claims.jsonl)",
 "github_resume_guides": "resume-bullet guide (GitHub)", "pages_resume_guides": "resume-bullet guide (web page)",
 "github_self_review_guides": "self-review guide (GitHub)", "pages_self_review_guides": "self-review / performance-review guide (web page)",
 "github_star_guides": "STAR / behavioural-interview guide (GitHub)", "pages_star_guides": "STAR / behavioural-interview guide (web page)",
 "github_promo_guides": "promotion-packet guide (GitHub)", "pages_promo_guides": "promotion-packet guide (web page)",
 "github_brag_guides": "brag-document guide (GitHub)", "pages_brag_guides": "brag-document guide (web page)",
}
src_info = {}
import json
for p in sorted(load.CLAIMS_DIR.glob("*.jsonl")):
    for line in p.read_text().splitlines():
        if not line.strip(): continue
        r = json.loads(line)
        s = src_info.setdefault(r["source"], {"kind": KIND.get(p.stem, p.stem), "standard": r["standard"], "split": r["split"], "n": 0, "labels": C()})
        s["n"] += 1; s["labels"][r["label"]] += 1

def table(counter, keys1, keys2, name1, name2):
    out = [f"| {name1} | " + " | ".join(keys2) + " | total |", "|---" * (len(keys2) + 2) + "|"]
    for k1 in keys1:
        vals = [counter.get((k1, k2), 0) for k2 in keys2]
        out.append(f"| {k1} | " + " | ".join(map(str, vals)) + f" | {sum(vals)} |")
    tot = [sum(counter.get((k1, k2), 0) for k1 in keys1) for k2 in keys2]
    out.append("| total | " + " | ".join(map(str, tot)) + f" | {sum(tot)} |")
    return "\n".join(out)

ss = C((r["standard"], f'{r["split"]}/{r["label"]}') for r in rows)
cols = ["tune/weak", "tune/strong", "holdout/weak", "holdout/strong"]
dom = C((r["domain"], f'{r["split"]}/{r["label"]}') for r in rows)
n_sources = len(src_info)
pk_claims = sum(len(p["claims"]) for p in packets)
pk_lab = C(c["label"] for p in packets for c in p["claims"])
print((load.ROOT / 'README.head.md').read_text().format(
    n=len(rows), n_sources=n_sources, n_packets=len(packets),
    n_hold_packets=sum(p["split"] == "holdout" for p in packets), pk_claims=pk_claims,
    pk_weak=pk_lab["weak"], pk_strong=pk_lab["strong"],
    n_typed=sum(bool(p["typed_docx"]) for p in packets),
    src_hold=sum(s["split"] == "holdout" for s in src_info.values()),
))
print("### Claims per standard, split and label\n")
print(table(ss, ["committee", "lenient"], cols, "standard", None))
print("\n### Claims per domain\n")
print(table(dom, list(load.DOMAINS), cols, "domain", None))
print("\n## Packets\n")
print("| name | kind | split | template | typed copy | labelled claims (weak/strong) | placeholders | source |")
print("|---|---|---|---|---|---|---|---|")
for p in packets:
    lab = C(c["label"] for c in p["claims"])
    print(f'| {p["name"]} | {p["kind"]} | {p["split"]} | {"yes" if p["template"] else "no"} | {"yes" if p["typed_docx"] else "no"} | {len(p["claims"])} ({lab["weak"]}/{lab["strong"]}) | {len(p["placeholders"])} | {p["source"]} |')
print("\n## Claim sources\n")
print(f"{n_sources} pages. `n` is the number of rows taken from the page, `w/s` weak/strong.\n")
print("| source | kind | standard | split | n (w/s) |")
print("|---|---|---|---|---|")
for url, s in sorted(src_info.items(), key=lambda kv: (kv[1]["kind"], kv[0])):
    print(f'| {url} | {s["kind"]} | {s["standard"]} | {s["split"]} | {s["n"]} ({s["labels"]["weak"]}/{s["labels"]["strong"]}) |')
