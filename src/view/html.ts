import { createHash } from "node:crypto";
import { safeText } from "../util/redact.js";

/**
 * Text from a report made safe for a page: invisible and control characters removed, token-shaped
 * strings redacted, cut at `max`, then HTML-escaped (quotes too, so it may stand in an attribute). Every
 * string a report holds came from a file, a file name or a model: none of it is markup.
 */
export function text(value: string, max = 20_000): string {
  return escapeHtml(safeText(value, max));
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** `1,234` */
export function num(value: number): string {
  return value.toLocaleString("en-US");
}

export function usd(value: number | null): string {
  return value === null ? "unknown (a model has no price)" : `$${value.toFixed(4)}`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function percent(value: number | null): string {
  return value === null ? "n/a" : `${Math.round(value * 100)}%`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa;
  --pass: #116329; --pass-bg: #dafbe1; --fail: #82071e; --fail-bg: #ffebe9; --warn: #6c4400;
  --warn-bg: #fff8c5; --info: #0a3069; --info-bg: #ddf4ff; --focus: #0550ae; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg);
  background: #fff; margin: 0 auto; max-width: 76rem; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); padding-bottom: 0.25rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 0.5rem; }
a { color: var(--focus); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 0.5rem; }
.skip:focus { left: 0.5rem; }
.muted { color: var(--muted); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border-radius: 1em; padding: 0 0.6em; font-weight: 600; font-size: 0.85em;
  border: 1px solid currentColor; white-space: nowrap; }
.ok { color: var(--pass); background: var(--pass-bg); }
.bad { color: var(--fail); background: var(--fail-bg); }
.warn { color: var(--warn); background: var(--warn-bg); }
.info { color: var(--info); background: var(--info-bg); }
.gate { border: 2px solid currentColor; border-radius: 6px; padding: 0.75rem 1rem; margin: 1rem 0; }
.gate strong { font-size: 1.15rem; }
details.file { border: 1px solid var(--line); border-radius: 6px; margin: 0.75rem 0; padding: 0 0.75rem; }
details.file > summary { padding: 0.6rem 0; cursor: pointer; }
details.file > summary .path { font-weight: 600; overflow-wrap: anywhere; }
details.iteration { border-left: 3px solid var(--line); margin: 0.75rem 0; padding-left: 0.75rem; }
details.iteration > summary { cursor: pointer; font-weight: 600; }
blockquote { margin: 0; padding: 0 0 0 0.6rem; border-left: 3px solid var(--line); white-space: pre-wrap;
  overflow-wrap: anywhere; }
td .explanation { white-space: pre-wrap; overflow-wrap: anywhere; }
pre.diff { background: var(--bg-soft); border: 1px solid var(--line); padding: 0.5rem; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; }
pre.diff .add { color: var(--pass); background: var(--pass-bg); display: block; }
pre.diff .del { color: var(--fail); background: var(--fail-bg); display: block; }
pre.diff .hunk { color: var(--info); display: block; }
figure { margin: 0.5rem 0; }
figcaption { color: var(--muted); font-size: 0.9em; }
svg text { font-family: system-ui, sans-serif; }
#filters { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem; margin: 1rem 0; }
#filters fieldset { border: 0; padding: 0; margin: 0.25rem 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
#filters legend { font-weight: 600; padding: 0; margin-bottom: 0.25rem; }
#filters label { white-space: nowrap; }
#filters input[type=search] { font: inherit; padding: 0.2rem 0.4rem; min-width: 18rem; border: 1px solid var(--muted); border-radius: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.cards figure { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  #filters, .skip { display: none; }
  details.file, details.iteration { break-inside: auto; }
  tr, figure, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .badge, .gate { background: none !important; }
}
`;

const SCRIPT = `
(function () {
  var form = document.getElementById("filters");
  var files = Array.prototype.slice.call(document.querySelectorAll("details.file"));
  if (form) {
    form.hidden = false;
    var count = document.getElementById("shown");
    var apply = function () {
      var results = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[name=result]"), function (box) {
        results[box.value] = box.checked;
      });
      var unverified = document.getElementById("f-unverified").checked;
      var failing = document.getElementById("f-failing").checked;
      var query = document.getElementById("f-path").value.toLowerCase();
      var shown = 0;
      files.forEach(function (file) {
        var ok = results[file.getAttribute("data-result")] !== false &&
          (!unverified || file.getAttribute("data-unverified") === "1") &&
          file.getAttribute("data-path").toLowerCase().indexOf(query) !== -1;
        file.hidden = !ok;
        if (ok) shown++;
      });
      Array.prototype.forEach.call(document.querySelectorAll("tr.verdict"), function (row) {
        row.hidden = failing && row.getAttribute("data-verdict") === "pass";
      });
      count.textContent = shown + " of " + files.length + " files shown";
    };
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      if (!d.open) { d.open = true; opened.push(d); }
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
`;

function cspHash(source: string): string {
  return `'sha256-${createHash("sha256").update(source).digest("base64")}'`;
}

/**
 * A whole page: its style and script inline, allowed by hash and nothing else. The content security
 * policy forbids every fetch (no `connect-src`, `img-src` or `font-src`), so the page works from a
 * downloaded artifact with no network, and markup that slipped into it could not run or call out.
 */
export function page(title: string, body: string): string {
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(STYLE)}`,
    `script-src ${cspHash(SCRIPT)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
