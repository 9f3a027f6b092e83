"""Quoted passages, their speakers, titles and channels.

Every passage between quotation marks (curly or straight double, guillemets, and curly
single ones that are not apostrophes) is a quote, its text the words between the marks,
ellipses and all. Its speaker is who the sentence says: "X said", "said X", "X told
reporters", "according to X", "X blamed ... on “...”"; "it said", "the official said" and
"Kirby added" point back. A passage with no words of attribution continues the quote
before it in the paragraph.
"""

import re
from dataclasses import dataclass

from app.drafting.actors import Actors, DraftActor
from app.drafting.text import paragraphs
from app.vocab import Channel

_PASSAGES = [
    re.compile(r"“([^“”]+)(?:”|$)"),
    re.compile(r'"([^"]+)(?:"|$)'),
    re.compile(r"«\s?([^«»]+?)\s?(?:»|$)"),
    re.compile(r"(?<!\w)‘((?:[^‘’]|’(?=\w))+)’(?!\w)"),
]
_VERBS = (
    r"said|says|added|adds|told|tells|stated|wrote|writes|explained|insisted|warned|noted"
    r"|continued|declared|announced|tweeted|posted|claimed|according to"
)
_AFTER = re.compile(
    rf"^[\s,]*(?:(?P<pre>[^“”\"«»]*?)\s+)?(?P<verb>{_VERBS})\b(?P<rest>[^“”\"«»]*)", re.I
)
_BEFORE = re.compile(
    r"(?P<subj>[\w’'.-]+(?:\s+[\w’'.-]+){0,6}?)\s+(?:has\s+|have\s+|had\s+)?"
    r"(?P<verb>said|says|told\s+\w+|blamed|accused|called|described|warned|added|insisted"
    r"|denied|claimed|declared|stated|wrote)\b(?P<mid>[^.“”\"]*)$"
)
_CLAUSE = re.compile(r"[,;:(]|\b(?:that|which|who|as|when|while|but|and|after|in|of)\s", re.I)
_CHANNELS: list[tuple[Channel, re.Pattern[str]]] = [
    ("told_reporters", re.compile(r"\btold (?:reporters|journalists|the press)\b", re.I)),
    ("press_conference", re.compile(r"\b(?:press|news) conference\b|\bbriefing\b", re.I)),
    (
        "social_media",
        re.compile(
            r"\bposted online\b|\bon (?:Twitter|X|Telegram|Facebook|Instagram|social media)\b"
            r"|\bin a (?:tweet|post)\b",
            re.I,
        ),
    ),
    ("interview", re.compile(r"\binterview\b|\btold (?:AFP|Reuters|AP|the [A-Z])", re.I)),
    ("statement", re.compile(r"\bstatement\b|\bcommuniqu", re.I)),
]
_SENTENCE_END = re.compile(r"[.!?](?=[”\"’]?(?:\s|$))")


@dataclass
class DraftQuote:
    start: int
    """The span of the words between the marks."""
    end: int
    text: str
    paragraph: int
    speaker: DraftActor | None = None
    title: str | None = None
    channel: Channel = "unspecified"
    basis: str = ""
    """How the speaker was found, for the notes."""


def passages(text: str) -> list[DraftQuote]:
    """Every quoted passage, in order, within its paragraph."""
    found: list[DraftQuote] = []
    taken: list[tuple[int, int]] = []
    for n, (p_start, p_end) in enumerate(paragraphs(text)):
        for rx in _PASSAGES:
            for m in rx.finditer(text[p_start:p_end]):
                start, end = p_start + m.start(1), p_start + m.end(1)
                words = text[start:end].rstrip()
                end = start + len(words)
                outer = (p_start + m.start(), p_start + m.end())
                if not words.strip() or any(a <= outer[0] < b for a, b in taken):
                    continue
                taken.append(outer)
                found.append(DraftQuote(start, end, words, n))
    return sorted(found, key=lambda q: q.start)


def _sentence_bounds(text: str, quote: DraftQuote) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, quote.start) + 1
    head = text[line_start : quote.start - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    start = line_start + (ends[-1] if ends else 0)
    close = quote.end + 1
    line_end = text.find("\n", close)
    line_end = len(text) if line_end == -1 else line_end
    m = _SENTENCE_END.search(text, close, line_end)
    return start, (m.end() if m else line_end)


def attribute(text: str, quotes: list[DraftQuote], actors: Actors) -> None:
    """Give each quote its speaker, title and channel, in reading order."""
    previous: DraftQuote | None = None
    for quote in quotes:
        start, end = _sentence_bounds(text, quote)
        after = text[quote.end + 1 : end]
        before = text[max(start, quote.start - 300) : max(start, quote.start - 1)]
        spoken = _after(after) or _before(before)
        if spoken is not None:
            phrase, verb, rest, appositive = spoken
            speaker, title = actors.resolve(phrase, quote.start)
            if speaker is not None and speaker.person and appositive:
                speaker.title = title = appositive
            quote.speaker, quote.title = speaker, title
            words = " ".join(f"{phrase} {verb} {rest}".split())
            quote.channel = _channel(words)
            quote.basis = f"speaker from “{words}”"
            if verb.lower() in ("added", "adds", "continued") and previous and speaker:
                if previous.speaker is speaker or _same_person(previous.speaker, speaker):
                    quote.channel = (
                        quote.channel if quote.channel != "unspecified" else previous.channel
                    )
                    quote.title = quote.title or previous.title
                    quote.basis += ", continuing the quote before"
            if quote.speaker is not None and quote.speaker.person and quote.title is None:
                quote.title = quote.speaker.title
        elif (
            previous is not None
            and previous.speaker is not None
            and _continues(text, previous, quote)
        ):
            quote.speaker, quote.title = previous.speaker, previous.title
            quote.channel = previous.channel
            quote.basis = "no words of attribution: continues the quote before it"
        if quote.speaker is not None:
            previous = quote


def _same_person(a: DraftActor | None, b: DraftActor) -> bool:
    return a is not None and a.id == b.id


def _continues(text: str, previous: DraftQuote, quote: DraftQuote) -> bool:
    """The same paragraph, or a paragraph of nothing but the quote right after."""
    if previous.paragraph == quote.paragraph:
        return True
    line_start = text.rfind("\n", 0, quote.start) + 1
    line_end = text.find("\n", quote.end)
    line = text[line_start : len(text) if line_end == -1 else line_end].strip()
    return quote.paragraph == previous.paragraph + 1 and line.strip('“”"«» ') == quote.text


Spoken = tuple[str, str, str, str | None]
"""Who (the words naming them), the verb, the words after it, a title in apposition."""


def _after(words: str) -> Spoken | None:
    m = _AFTER.match(words)
    if m is None:
        return None
    pre, verb, rest = (m.group("pre") or "").strip(), m.group("verb"), m.group("rest")
    if len(pre.split()) > 12:
        return None
    if pre:
        segments = [s.strip() for s in pre.split(",") if s.strip()]
        if len(segments) >= 2 and segments[-1][:1].islower() and segments[-2][:1].isupper():
            # "Colonel Ingrid Mallowby, commander of Fort X, said"
            return segments[-2], verb, rest, segments[-1]
        return segments[-1] if segments else pre, verb, rest, None
    # "said X", "according to X", "said X, the provincial governor."
    subject = re.split(r"[,.;]|\s(?:in|on|at|during|following|after|who)\s", rest.strip())[0]
    if not subject:
        return None
    after = rest.strip()[len(subject) :]
    appositive = re.match(r",\s+((?:the|a|an)\s+)?([a-z][^,.;]*)", after)
    return subject, verb, after, appositive.group(2).strip() if appositive else None


def _before(words: str) -> Spoken | None:
    m = _BEFORE.search(words)
    if m is None:
        return None
    subject = _CLAUSE.split(m.group("subj"))[-1].strip()
    if not subject or subject.lower() in ("to", "was", "were", "is"):
        return None
    return subject, m.group("verb"), m.group("mid"), None


def _channel(words: str) -> Channel:
    for channel, rx in _CHANNELS:
        if rx.search(words):
            return channel
    return "unspecified"
