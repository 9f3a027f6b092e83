"""How good and how fast the offline draft is: `python bench/drafting.py`.

Drafts the seed article and the invented second article (tests/data) and compares each
draft with the article's hand-written bundle (app.drafting.measure): quotes, speakers,
incident dates, places, both together, and weekdays. Each is drafted against an empty
record, then against a record that already holds the bundle's actors and locations (as
when a second report of the same events is drafted). Then times drafting a 1,000-word
article (in a fresh process, then warm) and the quoting matcher on a 10,000-word article
with 200 quotes.
"""

import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from app.drafting import Article, Known, draft_bundle, measure
from app.drafting.known import known_from_bundle
from app.loader import read_bundle_file, resolve_spans
from app.quoting import SourceText

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [
    ("seed article (AFP)", ROOT / "seed" / "000_4649b48b659e9093.json"),
    ("second article (invented)", ROOT / "tests" / "data" / "nw_2099_06_18_kestrelholm.json"),
]


def article_of(bundle: dict[str, Any]) -> Article:
    s = bundle["source"]
    published = date.fromisoformat(s["published_on"])
    return Article(s["text"], published, s["publisher"], s["title"], s["dateline"])


def with_spans(bundle: dict[str, Any]) -> dict[str, Any]:
    """A hand-written bundle with the spans of the words it quotes, as the loader finds them."""
    found, problems = resolve_spans(bundle)
    if problems:
        raise SystemExit(f"the bundle's spans: {problems}")
    return found


def scores(bundle: dict[str, Any], known: Known) -> list[str]:
    article = article_of(bundle)
    draft = draft_bundle(article, known)
    return [
        measure.quotes(draft, bundle).line("quotes"),
        measure.speakers(draft, bundle).line("speakers"),
        measure.incident_dates(draft, bundle).line("incident dates"),
        measure.places(draft, bundle).line("places"),
        measure.incidents(draft, bundle).line("date and place"),
        measure.weekdays(article.text, article.published_on, bundle).line("weekdays"),
    ]


def thousand_words() -> str:
    """1,000 words of news prose: the two articles' paragraphs, repeated as needed."""
    paragraphs = [
        p
        for _, path in ARTICLES
        for p in read_bundle_file(path)["source"]["text"].split("\n\n")
        if p.strip()
    ]
    out: list[str] = []
    while sum(len(p.split()) for p in out) < 1000:
        out.append(paragraphs[len(out) % len(paragraphs)])
    words = "\n\n".join(out).split(" ")
    return " ".join(words[: 1000 - sum(len(p.split()) for p in out) + len(words)])


COLD = """
import time
from datetime import date
began = time.perf_counter()
from app.drafting import Article, draft_bundle
imported, cpu = time.perf_counter(), time.process_time()
draft_bundle(Article(open({path!r}, encoding="utf-8").read(), date(2022, 1, 5)))
print(imported - began, time.perf_counter() - imported, time.process_time() - cpu)
"""


def timings(tmp: Path) -> list[str]:
    text = thousand_words()
    path = tmp / "thousand-words.txt"
    path.write_text(text, encoding="utf-8")
    cold = subprocess.run(
        [sys.executable, "-c", COLD.format(path=str(path))],
        capture_output=True,
        text=True,
        check=True,
    )
    article = Article(text, date(2022, 1, 5))
    draft_bundle(article)
    warm, warm_cpu = [], []
    for _ in range(5):
        began, cpu = time.perf_counter(), time.process_time()
        draft_bundle(article)
        warm.append(time.perf_counter() - began)
        warm_cpu.append(time.process_time() - cpu)
    long_text, quotes = matcher_input()
    matched, matched_cpu = [], []
    for _ in range(5):
        began, cpu = time.perf_counter(), time.process_time()
        source = SourceText(long_text)
        for q in quotes:
            source.find(q)
        matched.append(time.perf_counter() - began)
        matched_cpu.append(time.process_time() - cpu)
    imports, first, first_cpu = (float(x) for x in cold.stdout.split())
    return [
        f"drafting {len(text.split())} words, first draft in a fresh process: {first:.2f} s"
        f" ({first_cpu:.2f} s of CPU; the gazetteer and country lists read; importing the"
        f" package took {imports:.2f} s more)",
        f"drafting {len(text.split())} words, warm (median of 5): "
        f"{statistics.median(warm):.3f} s ({statistics.median(warm_cpu):.3f} s of CPU)",
        f"quoting matcher, {len(long_text.split())} words and {len(quotes)} quotes "
        f"(median of 5): {statistics.median(matched) * 1000:.1f} ms "
        f"({statistics.median(matched_cpu) * 1000:.1f} ms of CPU)",
        f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
    ]


def matcher_input() -> tuple[str, list[str]]:
    words = [f"word{n % 997}" for n in range(10_000)]
    quotes = []
    for n in range(200):
        words[n * 50] = f"“quote {n}’s words,”"
        quotes.append(f'"quote {n}\'s words,"')
    return "\n".join(words), quotes


def main() -> None:
    import tempfile

    for title, path in ARTICLES:
        bundle = with_spans(read_bundle_file(path))
        for record, known in (
            ("empty record", Known()),
            ("record holding its names", known_from_bundle(bundle)),
        ):
            print(f"{title}, {record}:")
            for line in scores(bundle, known):
                print("  " + line)
    with tempfile.TemporaryDirectory() as tmp:
        for line in timings(Path(tmp)):
            print(line)


if __name__ == "__main__":
    main()
