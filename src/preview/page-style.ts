/** Styles of the preview page itself (not of the email). */
export const PAGE_CSS = `
:root{color-scheme:light;font:14px/1.45 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328;background:#e9ebef}
body{margin:0}
header{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid #d0d7de;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
header h1{font-size:15px;margin:0;flex:1 1 100%}
header h1 small{font-weight:400;color:#57606a}
.group{display:flex;gap:4px;flex-wrap:wrap;align-items:center}
.group>span{color:#57606a;margin-right:2px}
button{font:inherit;border:1px solid #d0d7de;background:#f6f8fa;color:#1f2328;border-radius:6px;padding:4px 10px;cursor:pointer}
button[aria-pressed=true]{background:#0b5cad;border-color:#0b5cad;color:#fff}
button:disabled{opacity:.6;cursor:progress}
#status{color:#57606a}
main{padding:16px}
[data-panel]{display:none}
[data-panel].active{display:block}
iframe{display:block;border:0;background:#fff;margin:0 auto;box-shadow:0 1px 4px rgba(0,0,0,.15)}
.desktop iframe,.dark iframe{width:100%;min-width:640px}
.mobile iframe{width:375px;border-radius:12px}
.dark iframe{color-scheme:dark}
.desktop iframe,.mobile iframe{color-scheme:light}
.note{color:#57606a;margin:0 0 10px;max-width:900px}
pre{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:14px;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:0}
.text pre{font:15px/1.5 ui-monospace,Menlo,Consolas,monospace;max-width:80ch}
.problem{background:#fff;border:1px solid #cf222e;border-left-width:6px;border-radius:6px;padding:16px 20px;max-width:960px}
.problem h2{margin:0 0 8px;color:#cf222e;font-size:18px}
.shots{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.shots figure{margin:0;background:#fff;padding:8px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
.shots img{display:block;max-width:100%;height:auto}
.shots figure.w375 img{width:375px}
.shots figure.w1024 img{width:512px}
.clients h2{font-size:15px;margin:16px 0 8px}
.client-findings{list-style:none;padding:0;margin:0 0 10px;max-width:960px}
.client-findings li{margin:4px 0;white-space:pre-line}
.client-findings li.error{color:#cf222e}
.client-findings li.warning{color:#7a4d00}
.client-findings small{color:#57606a}
.bad{color:#cf222e;font-weight:600}
.good{color:#1a7f37;font-weight:600}
`;
