// Character spans into a text, as the record gives them (code points, as Python counts),
// turned into <mark> elements: the client's half of app/explorer/marks.py, for a text the
// page holds itself (a draft under review). The same rules: spans may nest or cross; one
// crossing the end of an enclosing span is closed there and reopened after it.

// Runs of blank lines beyond one: kept in the text, so it reads exactly as stored, not drawn.
const GAP = /((?<=\n\n)\n+)/;

function words(text) {
  return text.split(GAP).map((part, n) => (n % 2 ? Object.assign(document.createElement("span"), { className: "gap", textContent: part }) : part));
}

// `chars` (the text as an array of code points) as DOM nodes, each span ({start, end, data})
// wrapped in the element `make(span)` returns.
export function markUp(chars, spans, make) {
  const inside = spans.filter((s) => s.end > s.start && s.start < chars.length);
  const cuts = [...new Set([0, chars.length, ...inside.flatMap((s) => [s.start, Math.min(s.end, chars.length)])])];
  cuts.sort((a, b) => a - b);
  const root = document.createDocumentFragment();
  let open = []; // [{span, node}], outermost first
  const parent = () => open.at(-1)?.node || root;
  for (let n = 0; n < cuts.length - 1; n++) {
    const [at, upto] = [cuts[n], cuts[n + 1]];
    const closing = open.findIndex((o) => o.span.end <= at);
    const kept = closing === -1 ? open.length : closing;
    const reopened = open.slice(kept).filter((o) => o.span.end > at).map((o) => o.span);
    open = open.slice(0, kept);
    const opening = [...reopened, ...inside.filter((s) => s.start === at)].sort((a, b) => b.end - a.end);
    for (const span of opening) {
      const node = make(span);
      parent().append(node);
      open.push({ span, node });
    }
    parent().append(...words(chars.slice(at, upto).join("")));
  }
  return root;
}
