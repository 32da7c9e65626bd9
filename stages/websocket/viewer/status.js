// streampipe viewer status panel: draws the pipeline's stage graph with
// live rates from GET /status (served beside the page when telemetry is
// on; see docs/metrics.md). Plain JavaScript, no build step.
(() => {
  'use strict';

  const POLL_MS = 1000;
  const panel = document.getElementById('status');
  const graph = document.getElementById('graph');
  const summary = document.getElementById('status-summary');
  const pipelineName = document.getElementById('pipeline').textContent;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) e.append(c);
    return e;
  }

  function rate(v) {
    return (Math.round(v * 10) / 10).toString();
  }

  function dropped(s) {
    let n = 0;
    for (const v of Object.values(s.dropped || {})) n += v;
    return n;
  }

  // stageBox is one stage: name, kind, state and its live numbers. The
  // data- attributes carry the raw values for tests and styling.
  function stageBox(s, bottleneck) {
    const box = el('li', {
      className: 'stage',
      'data-stage': s.name,
      'data-state': s.state,
      'data-in-fps': String(s.rates.in_fps),
      'data-out-fps': String(s.rates.out_fps),
      'data-bottleneck': String(bottleneck),
      title: s.reason || '',
    },
    el('strong', {}, s.name),
    el('span', { className: 'kind' }, s.kind),
    el('span', { className: 'state' }, s.state),
    el('span', { className: 'rates' }, `${rate(s.rates.in_fps)} in / ${rate(s.rates.out_fps)} out fps`));
    if (s.queue_cap > 0) {
      box.append(el('span', { className: 'queue' }, `queue ${s.queue_len}/${s.queue_cap}`));
    }
    const d = dropped(s);
    if (d > 0) box.append(el('span', { className: 'dropped' }, `${d} dropped`));
    return box;
  }

  // render draws the chain left to right, the sinks stacked at its end,
  // following the edges of the document.
  function render(p) {
    const byName = new Map(p.stages.map((s) => [s.name, s]));
    const into = new Map();
    for (const e of p.edges) {
      if (!into.has(e.from)) into.set(e.from, []);
      into.get(e.from).push(e.to);
    }
    const hasInput = new Set(p.edges.map((e) => e.to));
    const bn = p.bottleneck ? p.bottleneck.stage : '';
    const nodes = [];
    let current = p.stages.find((s) => !hasInput.has(s.name));
    for (let guard = 0; current && guard < p.stages.length; guard++) {
      nodes.push(el('ol', { className: 'column' }, stageBox(current, current.name === bn)));
      const next = into.get(current.name) || [];
      if (next.length === 0) break;
      nodes.push(el('span', { className: 'edge', 'data-edges': String(next.length) }, '\u2192'));
      if (next.length > 1) {
        nodes.push(el('ol', { className: 'column' },
          ...next.map((n) => stageBox(byName.get(n), n === bn))));
        break;
      }
      current = byName.get(next[0]);
    }
    graph.replaceChildren(...nodes);
    graph.dataset.pipeline = p.name;
    graph.dataset.bottleneck = bn;
    summary.textContent = `${p.name}: ${p.state}` +
      (p.bottleneck ? ` \u2014 held back by ${p.bottleneck.stage} (${p.bottleneck.reason})` : '');
  }

  async function poll() {
    try {
      const r = await fetch('/status', { cache: 'no-store' });
      if (r.status === 404) return; // telemetry is off: no panel, no more polling
      if (r.ok) {
        const st = await r.json();
        const p = st.pipelines.find((q) => q.name === pipelineName) || st.pipelines[0];
        if (p) {
          render(p);
          panel.hidden = false;
        }
      }
    } catch (e) {
      // The server is going away or restarting; try again later.
    }
    setTimeout(poll, POLL_MS);
  }
  poll();
})();
