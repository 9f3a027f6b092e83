// Words of a source text found by what they say: the client's half of app/quoting.py, so
// that a page shows at once where typed or corrected words are. The same rules: quotation
// marks and apostrophes are one mark, dashes one dash, runs of whitespace one space; the
// span found is the source's (code points, as the record counts), and so are its words.

const QUOTATION_MARKS = "\"'`‘’‚‛“”„‟‹›«»′″";
const DASHES = "-‐‑‒–—―−﹘﹣－";
const CONTEXT = 30;

function foldChar(c) {
  if (QUOTATION_MARKS.includes(c)) return '"';
  if (DASHES.includes(c)) return "-";
  return /\s/u.test(c) ? " " : c;
}

export function fold(words) {
  return Array.from(words, foldChar).join("").replace(/ {2,}/g, " ").trim();
}

export class SourceWords {
  constructor(text) {
    this.text = text;
    this.chars = Array.from(text);
    // The folded text, and the code point each of its UTF-16 units comes from.
    const folded = [];
    this.index = [];
    this.chars.forEach((c, i) => {
      const f = foldChar(c);
      if (f === " " && folded.at(-1) === " ") return; // a run of spaces: its first
      folded.push(f);
      for (let u = 0; u < f.length; u++) this.index.push(i);
    });
    this.folded = folded.join("");
  }

  get length() {
    return this.chars.length;
  }

  at(start, end) {
    return this.chars.slice(start, end).join("");
  }

  // Every [start, end] where `words` occur.
  occurrences(words) {
    const needle = fold(words);
    const found = [];
    if (!needle) return found;
    for (let at = this.folded.indexOf(needle); at !== -1; at = this.folded.indexOf(needle, at + 1)) {
      found.push([this.index[at], this.index[at + needle.length - 1] + 1]);
    }
    return found;
  }

  context(start, end) {
    const before = this.at(Math.max(0, start - CONTEXT), start);
    const after = this.at(end, end + CONTEXT);
    return `${start > CONTEXT ? "…" : ""}${before}[${this.at(start, end)}]${after}${end + CONTEXT < this.length ? "…" : ""}`.replace(/\s+/g, " ");
  }

  // {start, end, places} for `words` (`occurrence`: 1-based, where they occur more than
  // once), or {places, problem}: where they occur, and why no one place was chosen.
  find(words, occurrence = null) {
    const places = this.occurrences(words);
    if (!places.length) return { places, problem: "not in the text" };
    if (occurrence !== null && places[occurrence - 1]) {
      const [start, end] = places[occurrence - 1];
      return { start, end, places };
    }
    if (places.length > 1) return { places, problem: `in the text ${places.length} times: say which` };
    return { start: places[0][0], end: places[0][1], places };
  }
}

// The code point offset in `box`'s text of a DOM position inside it.
export function offsetIn(box, node, offset) {
  const range = document.createRange();
  range.setStart(box, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}
