/**
 * The report's only stylesheet (inline: the file must open from disk and in a mail client with
 * no request). System fonts; light and dark follow `prefers-color-scheme`; print drops the
 * filters and opens every evidence block. Colours meet WCAG AA for text on both themes;
 * severity is always written out too, never shown by colour alone.
 */
export const SEVERITY_COLORS = {
  critical: '#d32f2f',
  high: '#ef6c00',
  medium: '#b58900',
  low: '#1e88e5',
  info: '#78909c',
} as const;

export const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --card: #f6f8fa; --accent: #0550ae; --good: #1a7f37; --bad: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9ba6b2; --line: #30363d; --card: #161b22;
    --accent: #79c0ff; --good: #56d364; --bad: #ff7b72; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 78rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.meta, .muted, figcaption { color: var(--muted); }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem; margin: 0; }
.kpis > div { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.kpis dt { font-size: .85rem; color: var(--muted); }
.kpis dd { margin: 0; }
.kpis .value { font-size: 1.5rem; font-weight: 600; }
.kpis .detail, .kpis .trend { display: block; font-size: .8rem; color: var(--muted); }
.trend.better { color: var(--good); } .trend.worse { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr)); gap: 1rem; }
figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; color: var(--fg); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { position: sticky; top: 0; background: var(--bg); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev { display: inline-block; min-width: 4.5rem; padding: 0 .4rem; border-radius: 3px; color: #fff; font-weight: 600; font-size: .8rem; text-align: center; }
.sev-critical { background: #b3261e; } .sev-high { background: #b54a00; } .sev-medium { background: #7a5c00; }
.sev-low { background: #0b5cad; } .sev-info { background: #546e7a; }
details > summary { cursor: pointer; color: var(--accent); }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .4rem 0; }
dl.evidence dt { color: var(--muted); }
dl.evidence dd { margin: 0; overflow-wrap: anywhere; }
.cap { background: var(--card); border-left: 4px solid var(--accent); padding: .5rem .75rem; margin: .75rem 0; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin: .5rem 0 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.filters input, .filters select { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .25rem .4rem; }
.count { font-size: .85rem; color: var(--muted); }
footer { margin-top: 3rem; font-size: .8rem; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .filters, .skip { display: none !important; }
  figure, .kpis > div, tr { break-inside: avoid; }
  th { position: static; }
  details > summary { color: inherit; }
  details::details-content { content-visibility: visible; display: contents; }
}
`;
