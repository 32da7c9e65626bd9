// streampipe viewer: plays a streampipe WebSocket stream in a canvas.
// The protocol is described in docs/protocol.md. Plain JavaScript, no build
// step, nothing loaded from elsewhere.
(() => {
  'use strict';

  const VERSION = 1;
  const HEADER_SIZE = 4;
  const FRAME_HEADER_SIZE = 20;
  const FPS_WINDOW_MS = 2000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    state: $('state'),
    tier: $('tier'),
    fps: $('fps'),
    latency: $('latency'),
    frames: $('frames'),
    quality: $('quality'),
    canvas: $('video'),
    error: $('error'),
  };
  const ctx2d = ui.canvas.getContext('2d');
  const streamPath = document.querySelector('meta[name="streampipe-stream-path"]').content;

  // wanted is the tier the user picked; it survives reconnects and reloads.
  let wanted = new URLSearchParams(location.search).get('quality') || '';
  let ws = null;
  let backoff = BACKOFF_MIN_MS;
  let contentType = 'image/jpeg';
  let tierFPS = 0;
  let connectedAt = 0;
  let total = 0;
  const arrivals = []; // [receive time ms, latency ms or NaN] per frame
  let errorTimer = 0;

  // Decoding: only the newest frame waiting is kept, so a slow decoder
  // skips frames instead of falling ever further behind.
  let decoding = false;
  let pending = null;

  function setState(state, text) {
    ui.state.dataset.state = state;
    ui.state.textContent = text || state;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { ui.error.hidden = true; }, 5000);
  }

  function setTier(name, fps) {
    tierFPS = fps || 0;
    ui.tier.textContent = name;
    ui.tier.dataset.fps = String(tierFPS);
    if (ui.quality.value !== name) ui.quality.value = name;
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = scheme + '//' + location.host + streamPath;
    if (wanted) url += '?quality=' + encodeURIComponent(wanted);
    setState('connecting');
    ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') onText(ev.data);
      else onBatch(ev.data);
    };
    ws.onclose = (ev) => {
      ws = null;
      ui.quality.disabled = true;
      const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      const why = ev.code + (ev.reason ? ' ' + ev.reason : '');
      ui.state.dataset.code = String(ev.code);
      setState('reconnecting', 'closed (' + why + '), reconnecting in ' + (delay / 1000).toFixed(1) + ' s');
      setTimeout(connect, delay);
    };
  }

  function onText(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      showError('unreadable message from the server');
      return;
    }
    switch (msg.type) {
      case 'hello':
        if (msg.version !== VERSION) {
          showError('server speaks protocol version ' + msg.version + ', this page ' + VERSION);
        }
        backoff = BACKOFF_MIN_MS;
        connectedAt = performance.now();
        arrivals.length = 0;
        contentType = msg.content_type || 'image/jpeg';
        fillPicker(msg.tiers || []);
        ui.quality.disabled = false;
        setTier(msg.quality, msg.fps);
        if (msg.reason === 'unknown_quality') {
          showError('no tier "' + msg.requested + '"; showing ' + msg.quality);
        }
        setState('live');
        break;
      case 'quality':
        wanted = msg.quality;
        setTier(msg.quality, msg.fps);
        // Measure the new tier afresh rather than averaging in the old.
        connectedAt = performance.now();
        arrivals.length = 0;
        break;
      case 'error':
        showError(msg.code + ': ' + msg.message);
        break;
    }
  }

  function fillPicker(tiers) {
    ui.quality.replaceChildren(...tiers.map((t) => {
      const o = document.createElement('option');
      o.value = t.name;
      o.textContent = t.name + (t.fps ? ' (' + t.fps + ' fps)' : '');
      return o;
    }));
  }

  ui.quality.addEventListener('change', () => {
    wanted = ui.quality.value;
    const params = new URLSearchParams(location.search);
    params.set('quality', wanted);
    history.replaceState(null, '', '?' + params.toString());
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'quality', quality: wanted }));
    }
  });

  // onBatch reads one binary batch: "SP", version, count, then per frame
  // seq (u64), capture time in Unix ns (i64), length (u32), payload.
  function onBatch(buf) {
    const dv = new DataView(buf);
    if (buf.byteLength < HEADER_SIZE || dv.getUint8(0) !== 0x53 || dv.getUint8(1) !== 0x50 ||
        dv.getUint8(2) !== VERSION) {
      showError('unreadable batch from the server');
      return;
    }
    const count = dv.getUint8(3);
    const now = performance.now();
    const wallNow = Date.now();
    const payloads = [];
    let off = HEADER_SIZE;
    for (let i = 0; i < count; i++) {
      if (off + FRAME_HEADER_SIZE > buf.byteLength ||
          off + FRAME_HEADER_SIZE + dv.getUint32(off + 16) > buf.byteLength) {
        showError('truncated batch from the server');
        break;
      }
      const captured = dv.getBigInt64(off + 8);
      const len = dv.getUint32(off + 16);
      off += FRAME_HEADER_SIZE;
      const latency = captured === 0n ? NaN : wallNow - Number(captured / 1000000n);
      arrivals.push([now, latency]);
      payloads.push(new Uint8Array(buf, off, len));
      off += len;
    }
    total += payloads.length;

    // Frames of one batch were captured a frame interval apart: show them
    // at that pace rather than all at once.
    const interval = tierFPS > 0 ? 1000 / tierFPS : 0;
    payloads.forEach((p, i) => {
      if (i === 0 || interval === 0) show(p);
      else setTimeout(() => show(p), i * interval);
    });
  }

  function show(payload) {
    pending = payload;
    if (!decoding) decodeNext();
  }

  function decodeNext() {
    const payload = pending;
    pending = null;
    decoding = true;
    createImageBitmap(new Blob([payload], { type: contentType }))
      .then((bmp) => {
        if (ui.canvas.width !== bmp.width || ui.canvas.height !== bmp.height) {
          ui.canvas.width = bmp.width;
          ui.canvas.height = bmp.height;
        }
        ctx2d.drawImage(bmp, 0, 0);
        bmp.close();
        ui.canvas.dataset.drawn = String(Number(ui.canvas.dataset.drawn || 0) + 1);
      })
      .catch(() => showError('a frame could not be decoded'))
      .finally(() => {
        decoding = false;
        if (pending) decodeNext();
      });
  }

  // The readouts: frames received per second over the last two seconds
  // (or since connecting) and their mean latency, from the capture time in
  // each frame's header to arrival here. Latency assumes the server's and
  // this machine's clocks agree.
  function updateReadouts() {
    const now = performance.now();
    while (arrivals.length && arrivals[0][0] < now - FPS_WINDOW_MS) arrivals.shift();
    const span = Math.min(FPS_WINDOW_MS, now - connectedAt);
    const fps = ws && span > 250 ? arrivals.length / (span / 1000) : 0;
    ui.fps.dataset.value = fps.toFixed(2);
    ui.fps.textContent = ws ? fps.toFixed(1) : '-';

    let sum = 0;
    let n = 0;
    for (const a of arrivals) {
      if (!Number.isNaN(a[1])) { sum += a[1]; n++; }
    }
    ui.latency.dataset.value = n ? (sum / n).toFixed(1) : '';
    ui.latency.textContent = n ? Math.round(sum / n) + ' ms' : '-';
    ui.frames.dataset.value = String(total);
    ui.frames.textContent = String(total);
  }

  setInterval(updateReadouts, 250);
  connect();
})();
