// Character spans into a source's text, as the record gives them, turned into <mark>s.
//
// The record counts characters as Python does (code points); JavaScript strings count
// UTF-16 code units, which differ after any character outside the Basic Multilingual
// Plane (an emoji, say). Every span goes through `toUnits` before it touches the text.

// A function from a code point offset in `text` to the UTF-16 offset of the same place.
export function toUnits(text) {
  if (!/[\uD800-\uDBFF]/.test(text)) return (offset) => offset;
  const units = [];
  let at = 0;
  for (const ch of text) {
    units.push(at);
    at += ch.length;
  }
  units.push(at);
  return (offset) => units[offset];
}

const ENDS = /[.!?]["'”’)\]]*$/;

// The sentence (or sentences) holding [start, end), by UTF-16 offsets: from the end of the
// previous sentence or line to the end of the last sentence touched.
export function sentenceAround(text, start, end) {
  let from = start;
  while (from > 0) {
    const before = text.slice(Math.max(0, from - 4), from);
    if (text[from - 1] === "\n" || (/\s/.test(text[from - 1]) && ENDS.test(before.trimEnd()))) break;
    from -= 1;
  }
  while (from < start && /\s/.test(text[from])) from += 1;
  let to = end;
  const finished = ENDS.test(text.slice(Math.max(start, end - 4), end));
  if (!finished) {
    while (to < text.length && text[to] !== "\n") {
      to += 1;
      if (ENDS.test(text.slice(to - 4, to)) && (to === text.length || /\s/.test(text[to]))) break;
    }
  }
  return [from, to];
}

// Fill `container` with `text` from `from` to `to`, wrapping each span ({start, end} in
// UTF-16 units) in the element `make(span)` returns. Spans may nest or cross: a span that
// crosses the end of an enclosing one is closed there and reopened after it, so it becomes
// two or more elements with the same attributes; its words, read in order, are the span's.
export function markUp(container, text, spans, make, from = 0, to = text.length) {
  const inside = spans
    .filter((s) => s.start < to && s.end > from && s.end > s.start)
    .map((s) => ({ ...s, start: Math.max(s.start, from), end: Math.min(s.end, to) }));
  const boundaries = [...new Set([from, to, ...inside.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const open = []; // [span, element], outermost first
  const top = () => (open.length ? open[open.length - 1][1] : container);
  const opening = (span) => {
    const node = make(span);
    top().append(node);
    open.push([span, node]);
  };
  for (let i = 0; i < boundaries.length - 1; i += 1) {
    const at = boundaries[i];
    const closing = open.findIndex(([s]) => s.end <= at);
    const reopened = closing === -1 ? [] : open.splice(closing).map(([s]) => s).filter((s) => s.end > at);
    [...reopened, ...inside.filter((s) => s.start === at)].sort((a, b) => b.end - a.end).forEach(opening);
    top().append(text.slice(at, boundaries[i + 1]));
  }
}
