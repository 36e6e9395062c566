/** The small HTML pages a browser sees at the end of an OAuth flow. */
const escape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function resultPage(title: string, message: string, ok: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · Pulsedesk</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.4rem;color:${ok ? '#007a5a' : '#b0301c'}}</style></head>
<body><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>`;
}
