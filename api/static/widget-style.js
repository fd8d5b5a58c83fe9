// --- the widget's CSS, adopted by its shadow root (never an inline <style> under a strict CSP) ---
const STYLE = `
:host { all: initial; }
.kb { --accent: var(--kb-accent, #2457c5); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1d2330; }
.kb *, .kb *::before, .kb *::after { box-sizing: border-box; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button, textarea, input { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
svg { width: 18px; height: 18px; display: block; fill: none; stroke: currentColor; stroke-width: 1.8;
  stroke-linejoin: round; stroke-linecap: round; }
.launcher { position: fixed; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 8px;
  border: 0; border-radius: 999px; padding: 12px 18px; background: var(--accent); color: #fff; cursor: pointer;
  box-shadow: 0 6px 20px rgba(0,0,0,.22); font-weight: 600; }
.launcher.right { right: 20px; } .launcher.left { left: 20px; }
.panel { display: flex; flex-direction: column; background: #fff; overflow: hidden; }
[hidden] { display: none !important; }
.floating { position: fixed; bottom: 84px; z-index: 2147483000; width: min(400px, calc(100vw - 24px));
  height: min(600px, calc(100vh - 108px)); border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.25);
  border: 1px solid #d9deea; }
.floating.right { right: 12px; } .floating.left { left: 12px; }
.inline { width: 100%; height: 100%; min-height: 320px; border: 1px solid #d9deea; border-radius: 10px; }
.page { position: fixed; inset: 0; border: 0; border-radius: 0; }
header { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 12px 14px;
  background: var(--accent); color: #fff; }
h2 { margin: 0; font-size: 15px; font-weight: 650; }
.close { border: 0; background: transparent; color: #fff; font-size: 22px; line-height: 1; cursor: pointer;
  padding: 2px 8px; border-radius: 6px; }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 12px; background: #f6f7fb; }
.intro { margin: 0; color: #555e70; }
.msg { max-width: 100%; border-radius: 12px; padding: 10px 12px; }
.user { align-self: flex-end; background: var(--accent); color: #fff; max-width: 85%; white-space: pre-wrap; }
.bot { align-self: stretch; background: #fff; border: 1px solid #e1e5ef; }
.answer { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.status { color: #555e70; font-style: italic; }
.badge { display: inline-block; margin-bottom: 6px; font-size: 12px; color: #17663a; background: #e3f5ea;
  border-radius: 6px; padding: 2px 8px; }
.notice { margin-bottom: 8px; border-left: 4px solid #b7791f; background: #fff7e6; padding: 8px 10px; border-radius: 6px; }
.notice strong { display: block; color: #7a4b00; }
.note { margin: 6px 0 0; font-size: 12px; color: #555e70; }
.error { color: #a11a1a; margin: 0; }
.ref { border: 0; background: none; padding: 0 1px; color: var(--accent); font-weight: 650; cursor: pointer; }
h3 { margin: 10px 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #555e70; }
.cards { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.card { border: 1px solid #dde2ee; border-radius: 8px; background: #fbfcff; }
.card.flash { box-shadow: 0 0 0 3px var(--accent); }
.card-head { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; width: 100%; text-align: left; border: 0;
  background: none; padding: 8px 10px; cursor: pointer; border-radius: 8px; }
.num { grid-row: span 2; align-self: start; min-width: 22px; height: 22px; border-radius: 50%; background: var(--accent);
  color: #fff; font-size: 12px; display: flex; align-items: center; justify-content: center; }
.doc { font-weight: 600; overflow-wrap: anywhere; }
.meta { font-size: 12px; color: #555e70; overflow-wrap: anywhere; }
.quote { margin: 0 10px 8px 40px; padding: 0; color: #333a48; font-size: 13px; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.card.open .quote { display: block; -webkit-line-clamp: unset; }
.feedback { display: flex; align-items: center; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
.feedback > button { border: 1px solid #cfd5e3; background: #fff; border-radius: 8px; padding: 4px 9px; cursor: pointer; color: #555e70; }
.feedback > button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.feedback > button:disabled { cursor: default; opacity: .65; }
.feedback > button[aria-pressed="true"]:disabled { opacity: 1; }
.fb-status { font-size: 12px; color: #555e70; }
.comment { display: flex; flex-direction: column; gap: 6px; width: 100%; margin-top: 6px; }
.comment textarea { min-height: 56px; resize: vertical; border: 1px solid #cfd5e3; border-radius: 8px; padding: 6px 8px; }
.comment button, .keyform button, .ask button { border: 0; border-radius: 8px; padding: 8px 14px; background: var(--accent);
  color: #fff; cursor: pointer; font-weight: 600; align-self: flex-end; }
.ask { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e1e5ef; background: #fff; align-items: flex-end; }
.ask textarea { flex: 1; resize: none; min-height: 40px; max-height: 140px; border: 1px solid #cfd5e3; border-radius: 8px; padding: 9px 10px; }
.ask button[aria-disabled="true"] { opacity: .6; cursor: progress; }
.keyform { display: flex; flex-direction: column; gap: 8px; padding: 14px; border-top: 1px solid #e1e5ef; }
.keyform input { border: 1px solid #cfd5e3; border-radius: 8px; padding: 8px 10px; }
.keyform p { margin: 0; color: #555e70; font-size: 12px; }
.keyform .error { color: #a11a1a; }
.keyform .error:empty { display: none; }
.access { margin: 0; font-size: 12px; color: #6b7386; }
.examples { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; }
.examples p { margin: 0; font-size: 12px; color: #555e70; }
.example { border: 1px solid #cfd5e3; background: #fff; border-radius: 14px; padding: 6px 12px; cursor: pointer;
  text-align: left; color: var(--accent); }
.example:hover { border-color: var(--accent); }
@media (prefers-reduced-motion: no-preference) { .card { transition: box-shadow .2s; } }
`;
