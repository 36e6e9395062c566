/**
 * The dashboard's own stylesheet and script, served from our origin (CSP: self only). Kept as
 * strings so `nest build` ships them with no asset step. The script only draws charts from the
 * JSON the server rendered into the page; it computes no figure.
 */
export const DASHBOARD_CSS = `
:root { --ink:#1d2330; --muted:#4a5160; --line:#d5d9e0; --accent:#1f5fbf; --bg:#f7f8fa; --ok:#1b6e3a; --warn:#8a4b00; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline:3px solid #f0a500; outline-offset:2px; }
.skip { position:absolute; left:-9999px; }
.sr-only { position:absolute; width:1px; height:1px; padding:0; margin:-1px; overflow:hidden; clip:rect(0,0,0,0); white-space:nowrap; border:0; }
.skip:focus { left:8px; top:8px; background:#fff; padding:8px; z-index:10; }
header { background:#fff; border-bottom:1px solid var(--line); padding:8px 16px; display:flex; flex-wrap:wrap; align-items:center; gap:8px 24px; }
.brand { font-weight:700; margin:0; }
nav { display:flex; flex-wrap:wrap; align-items:center; gap:8px 16px; flex:1; }
nav ul { list-style:none; display:flex; flex-wrap:wrap; gap:4px 12px; margin:0; padding:0; }
nav a { text-decoration:none; padding:6px 4px; display:inline-block; }
nav a[aria-current="page"] { font-weight:700; border-bottom:3px solid var(--accent); }
.sign-out { margin-left:auto; }
main { max-width:1100px; margin:0 auto; padding:16px; }
h1 { font-size:1.6rem; margin:8px 0 16px; }
h2 { font-size:1.2rem; margin:24px 0 8px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(180px, 1fr)); gap:12px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; }
.card .figure { font-size:1.8rem; font-weight:700; margin:0; }
.card .label { color:var(--muted); margin:0; }
.charts { display:grid; grid-template-columns:repeat(auto-fit, minmax(300px, 1fr)); gap:12px; }
.chart { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px; }
.chart-box { position:relative; height:240px; }
table { border-collapse:collapse; width:100%; background:#fff; }
th, td { border:1px solid var(--line); padding:6px 8px; text-align:left; vertical-align:top; }
.scroll { overflow-x:auto; }
.cell-suppressed { background:#e9ebef; color:#333a46; font-style:italic; }
.heat-0 { background:#f8d7d3; } .heat-1 { background:#fbe6c8; } .heat-2 { background:#fdf5c9; } .heat-3 { background:#dcefd3; } .heat-4 { background:#c3e6c5; }
.legend { display:flex; flex-wrap:wrap; gap:8px 16px; margin:8px 0; padding:0; list-style:none; }
.swatch { display:inline-block; width:1em; height:1em; border:1px solid var(--line); vertical-align:middle; margin-right:4px; }
.empty { background:#fff; border:1px dashed var(--muted); border-radius:8px; padding:16px; }
.notice { background:#e6f0ff; border:1px solid var(--accent); padding:8px 12px; border-radius:6px; }
.error { background:#fdecea; border:1px solid #b3261e; padding:8px 12px; border-radius:6px; }
form.inline { display:inline; }
button, .button { font:inherit; padding:6px 12px; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:6px; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary { background:#fff; color:var(--accent); }
label { display:block; font-weight:600; margin-top:8px; }
input[type=text], input[type=number], input[type=search], select { font:inherit; padding:6px; width:100%; max-width:420px; border:1px solid var(--muted); border-radius:4px; }
.placeholder { border:2px dashed var(--warn); background:#fff8ec; padding:16px; border-radius:8px; }
ul.stories { list-style:none; padding:0; display:grid; gap:12px; }
.story-body { white-space:pre-line; }
.muted { color:var(--muted); }
@media (max-width: 600px) { main { padding:8px; } .sign-out { margin-left:0; } h1 { font-size:1.3rem; } }
`;

export const DASHBOARD_JS = `
(function () {
  'use strict';
  if (typeof Chart === 'undefined') return;
  var palette = ['#1f5fbf', '#b3261e', '#1b6e3a', '#8a4b00', '#6a3d9a', '#00707a', '#7a5c00', '#a0306e'];
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute('data-chart'));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: 'line',
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return { label: s.label, data: s.data, borderColor: palette[i % palette.length],
                   backgroundColor: palette[i % palette.length], spanGaps: true, tension: 0.2 };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { y: { suggestedMin: spec.min, suggestedMax: spec.max } },
        plugins: { legend: { position: 'bottom' } }
      }
    });
  });
})();
`;
