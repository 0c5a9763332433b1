/* Resumable upload of a dropped folder (or picked files) to a survey, speaking tus 1.0 (docs/upload.md).

   - SHA-256 of the whole file is computed in the browser by streaming it in 8 MiB slices through a small
     incremental SHA-256 (below): crypto.subtle.digest cannot hash incrementally, and several-GB videos must
     never be held in memory. Each chunk also carries its own Upload-Checksum (crypto.subtle where available).
   - Upload URLs and checksums are kept in localStorage keyed by survey, file name, size and mtime, so that
     after a dropped connection or a closed tab, dropping the same files again asks the server for the offset
     (HEAD) and continues from there.
   - A file counts as delivered only when the server says `stored` or `duplicate`: after the last byte (or on a
     resume that finds every byte there) the page asks HEAD, waits ("verifying…", honouring Retry-After) while
     another request is still verifying it, and shows `refused` (or a 400/410) as a failure with the server's
     reason (docs/upload.md, "Interrupted completion"). */
(function () {
  "use strict";

  // ---------------------------------------------------------------- incremental SHA-256 (FIPS 180-4)
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  class Sha256 {
    constructor() {
      this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
      this.w = new Uint32Array(64);
      this.buf = new Uint8Array(64);
      this.bufLen = 0;
      this.length = 0; // bytes hashed so far (a float: exact up to 2^53)
    }

    block(d, off) {
      const w = this.w, h = this.h;
      for (let t = 0; t < 16; t++) {
        const j = off + 4 * t;
        w[t] = (d[j] << 24) | (d[j + 1] << 16) | (d[j + 2] << 8) | d[j + 3];
      }
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15], y = w[t - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      let a = h[0], b = h[1], c = h[2], dd = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (let t = 0; t < 64; t++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + K[t] + w[t]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) | 0;
        hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += dd; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }

    update(data) {
      let i = 0;
      const n = data.length;
      this.length += n;
      if (this.bufLen > 0) {
        const take = Math.min(64 - this.bufLen, n);
        this.buf.set(data.subarray(0, take), this.bufLen);
        this.bufLen += take;
        i = take;
        if (this.bufLen < 64) return this;
        this.block(this.buf, 0);
        this.bufLen = 0;
      }
      for (; i + 64 <= n; i += 64) this.block(data, i);
      if (i < n) { this.buf.set(data.subarray(i), 0); this.bufLen = n - i; }
      return this;
    }

    digest() {
      const bits = this.length * 8;
      const hi = Math.floor(bits / 4294967296), lo = bits >>> 0;
      const padLen = (this.bufLen < 56 ? 56 : 120) - this.bufLen;
      const pad = new Uint8Array(padLen + 8);
      pad[0] = 0x80;
      const dv = new DataView(pad.buffer);
      dv.setUint32(padLen, hi);
      dv.setUint32(padLen + 4, lo);
      const saved = this.length;
      this.update(pad);
      this.length = saved;
      const out = new Uint8Array(32);
      const odv = new DataView(out.buffer);
      for (let i = 0; i < 8; i++) odv.setUint32(4 * i, this.h[i]);
      return out;
    }
  }

  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const toB64 = (bytes) => { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); };
  const b64Text = (text) => toB64(new TextEncoder().encode(text));

  async function chunkDigest(bytes) {
    if (window.crypto && crypto.subtle) return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return new Sha256().update(bytes).digest();
  }

  async function fileSha256(file, onProgress) {
    const hasher = new Sha256();
    const step = 8 * 1024 * 1024;
    for (let pos = 0; pos < file.size; pos += step) {
      const bytes = new Uint8Array(await file.slice(pos, pos + step).arrayBuffer());
      hasher.update(bytes);
      onProgress(Math.min(1, (pos + bytes.length) / file.size));
    }
    return toHex(hasher.digest());
  }

  window.IncrementalSha256 = Sha256; // for tests and the curious
  window.IncrementalSha256Hex = (bytes) => toHex(new Sha256().update(bytes).digest());

  // ---------------------------------------------------------------- page wiring
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const CREATE_URL = zone.dataset.createUrl;
  const SURVEY = zone.dataset.survey;
  const CHUNK = Number(zone.dataset.chunk) || 8 * 1024 * 1024;
  const PARALLEL = 3; // files sent at once: a dropped folder of hundreds of photos is queued, not fired together
  const csrf = (document.querySelector("#upload input[name=csrfmiddlewaretoken]") || {}).value || "";
  const list = document.getElementById("upload-list");
  const totalBox = document.getElementById("upload-total");
  const totalBar = document.getElementById("total-progress");
  const totalText = document.getElementById("total-text");
  const PREFIX = "tus:" + SURVEY + ":";
  const IGNORED = /^(\.|Thumbs\.db$|desktop\.ini$)/i;

  const items = [];
  let running = 0;
  const queue = [];

  function showPending() {
    const note = document.getElementById("pending-note");
    const n = Object.keys(localStorage).filter((k) => k.startsWith(PREFIX)).length;
    note.textContent = n ? n + " unfinished upload(s) from earlier: drop the same files again to continue." : "";
  }

  // The total is recomputed at most once a frame: with hundreds of files, summing on every progress event
  // of every running upload would cost O(files) per event.
  let totalPending = false;
  function render(item) {
    item.status.textContent = item.message;
    item.status.className = item.state === "error" ? "err" : (item.state === "done" ? "ok" : "");
    // A refused file is not shown as sent: no (full) progress bar, the whole reason in red (static/css/app.css).
    item.li.classList.toggle("refused", item.state === "error");
    item.li.title = item.state === "error" ? item.message : "";
    item.bar.value = item.file.size ? item.sent / item.file.size : 1;
    if (item.state === "done" || item.state === "error") { renderTotal(); return; }
    if (!totalPending) {
      totalPending = true;
      requestAnimationFrame(() => { totalPending = false; renderTotal(); });
    }
  }

  function renderTotal() {
    // Refused files leave the total: their bytes were not delivered.
    const counted = items.filter((it) => it.state !== "error");
    const total = counted.reduce((s, it) => s + it.file.size, 0);
    const sent = counted.reduce((s, it) => s + it.sent, 0);
    const done = items.filter((it) => it.state === "done").length;
    const failed = items.filter((it) => it.state === "error").length;
    totalBar.value = total ? sent / total : (failed ? 0 : 1);
    totalText.textContent = done + " of " + items.length + " files" + (failed ? ", " + failed + " refused" : "") +
      " · " + (sent / 1048576).toFixed(1) + " / " + (total / 1048576).toFixed(1) + " MB";
    zone.dataset.done = String(done);
    zone.dataset.failed = String(failed);
  }

  function addFiles(files) {
    totalBox.hidden = false;
    for (const file of files) {
      if (IGNORED.test(file.name)) continue;
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = file.webkitRelativePath || file.name;
      const bar = document.createElement("progress");
      bar.max = 1;
      const status = document.createElement("span");
      li.append(name, bar, status);
      list.append(li);
      const item = { file, bar, status, li, sent: 0, state: "queued", message: "waiting" };
      items.push(item);
      render(item);
      queue.push(item);
    }
    pump();
  }

  function pump() {
    while (running < PARALLEL && queue.length) {
      const item = queue.shift();
      running++;
      zone.dataset.peak = String(Math.max(running, Number(zone.dataset.peak) || 0)); // most files sent at once
      uploadOne(item).catch((err) => fail(item, String(err && err.message || err)))
        .finally(() => { running--; showPending(); pump(); });
    }
  }

  function fail(item, message) {
    item.state = "error"; item.message = message; render(item);
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function xhr(method, url, headers, body, onUpload) {
    return new Promise((resolve, reject) => {
      const req = new XMLHttpRequest();
      req.open(method, url);
      for (const [k, v] of Object.entries(headers || {})) req.setRequestHeader(k, v);
      req.setRequestHeader("Tus-Resumable", "1.0.0");
      req.setRequestHeader("X-CSRFToken", csrf);
      if (onUpload) req.upload.onprogress = (e) => onUpload(e.loaded);
      req.onload = () => resolve(req);
      req.onerror = () => reject(new Error("network"));
      req.ontimeout = () => reject(new Error("network"));
      req.send(body === undefined ? null : body);
    });
  }

  function errorText(req) {
    try { const data = JSON.parse(req.responseText); return data.detail || JSON.stringify(data); }
    catch (e) { return "HTTP " + req.status; }
  }

  // Only `stored` and `duplicate` are delivered: the server may still be verifying a complete file, or may
  // have refused it (docs/upload.md, "Interrupted completion").
  const DELIVERED = new Set(["stored", "duplicate"]);
  const VERIFY_WAIT_MS = 10 * 60 * 1000; // give up waiting for a verification after this long (the key is kept)
  const RETRY_AFTER_MAX_S = 30;

  // Ask the server where an upload stands (HEAD). Answers the offset to continue sending from, or null once
  // the item is settled: done (stored/duplicate) or failed (refused, gone, still verifying after too long).
  // A complete upload still `receiving` is being verified by another request: ask again after Retry-After.
  // `restartable` (a resume from an earlier session): an upload that is gone (404/410) answers -1, start again.
  async function settle(item, key, url, restartable) {
    const started = Date.now();
    for (;;) {
      const head = await withRetry(() => xhr("HEAD", url));
      const state = head.getResponseHeader("Upload-State");
      const offset = Number(head.getResponseHeader("Upload-Offset")) || 0;
      if (head.status === 200 && DELIVERED.has(state)) { finish(item, key, state); return null; }
      if (head.status === 200 && state === "receiving" && offset < item.file.size) return offset;
      if (head.status === 200 && state === "receiving") {
        if (Date.now() - started > VERIFY_WAIT_MS) {
          fail(item, "the server is still verifying this file; drop it again later to see the outcome");
          return null;
        }
        item.sent = item.file.size; item.state = "verifying"; item.message = "verifying…"; render(item);
        const after = Number(head.getResponseHeader("Retry-After")) || 2;
        await sleep(Math.min(RETRY_AFTER_MAX_S, Math.max(1, after)) * 1000);
        continue;
      }
      localStorage.removeItem(key);
      if (restartable && (head.status === 404 || head.status === 410)) return -1;
      fail(item, await refusal(url, head));
      return null;
    }
  }

  // Why the server did not take an upload. A HEAD has no body, so the reason comes from GET (state, error).
  async function refusal(url, head) {
    try {
      const req = await xhr("GET", url);
      const data = JSON.parse(req.responseText);
      if (data.error) return data.error;
      if (data.state === "cancelled" || data.state === "expired") return "the upload was " + data.state + "; drop the file again";
      if (data.detail) return data.detail;
    } catch (e) { /* fall through to the status */ }
    if (head.status === 404 || head.status === 410) return "the upload is gone; drop the file again";
    return "refused (HTTP " + head.status + (head.getResponseHeader("Upload-State") ? ", " + head.getResponseHeader("Upload-State") : "") + ")";
  }

  async function uploadOne(item) {
    const file = item.file;
    const key = PREFIX + file.name + ":" + file.size + ":" + file.lastModified;
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    let url = null, offset = 0;
    if (saved && saved.url) {
      item.message = "resuming"; render(item);
      const next = await settle(item, key, saved.url, true);
      if (next === null) return;
      if (next >= 0) { url = saved.url; offset = next; }
    }
    if (!url) {
      item.state = "hashing";
      const sha = await fileSha256(file, (p) => { item.message = "checksum " + Math.round(p * 100) + "%"; render(item); });
      const meta = "filename " + b64Text(file.name) + ",sha256 " + b64Text(sha);
      const created = await withRetry(() => xhr("POST", CREATE_URL, { "Upload-Length": String(file.size), "Upload-Metadata": meta }));
      if (created.status !== 201) return fail(item, errorText(created));
      url = created.getResponseHeader("Location");
      offset = Number(created.getResponseHeader("Upload-Offset")) || 0;
      const state = created.getResponseHeader("Upload-State");
      if (DELIVERED.has(state)) return finish(item, key, state);
      if (state && state !== "receiving") return fail(item, "refused (" + state + ")");
      localStorage.setItem(key, JSON.stringify({ url, sha256: sha, name: file.name }));
    }
    item.state = "sending";
    let failures = 0;
    for (;;) {
      if (offset >= file.size) {
        // Every byte is there: the file counts only once the server says stored or duplicate.
        const next = await settle(item, key, url, false);
        if (next === null) return;
        offset = next;
        continue;
      }
      item.state = "sending"; item.sent = offset; item.message = "sending"; render(item);
      const bytes = new Uint8Array(await file.slice(offset, Math.min(file.size, offset + CHUNK)).arrayBuffer());
      const checksum = "sha256 " + toB64(await chunkDigest(bytes));
      let req;
      try {
        req = await xhr("PATCH", url, {
          "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset), "Upload-Checksum": checksum,
        }, bytes, (loaded) => { item.sent = offset + loaded; render(item); });
      } catch (e) {
        failures++;
        item.message = "connection lost, retrying"; render(item);
        await sleep(Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
        const next = await settle(item, key, url, false);
        if (next === null) return;
        offset = next;
        continue;
      }
      if (req.status === 204) {
        failures = 0;
        const state = req.getResponseHeader("Upload-State");
        if (DELIVERED.has(state)) return finish(item, key, state);
        offset = Number(req.getResponseHeader("Upload-Offset"));
        if (!Number.isFinite(offset) || (state && state !== "receiving")) offset = file.size; // ask (HEAD)
      } else if (req.status === 409 || req.status === 460) {
        const next = await settle(item, key, url, false);
        if (next === null) return;
        offset = next;
      } else {
        localStorage.removeItem(key);
        return fail(item, errorText(req));
      }
    }
  }

  async function withRetry(fn) {
    for (let attempt = 0; ; attempt++) {
      try { return await fn(); }
      catch (e) { if (attempt >= 6) throw e; await sleep(1000 * 2 ** attempt); }
    }
  }

  function finish(item, key, state) {
    if (!DELIVERED.has(state)) return fail(item, "refused (" + state + ")"); // never shown as stored
    localStorage.removeItem(key);
    item.sent = item.file.size;
    item.state = "done";
    item.message = state === "duplicate" ? "already delivered (not stored twice)" : "stored";
    render(item);
    if (window.surveyMap) window.surveyMap.refresh();
    refreshDelivery();
  }

  // The page's file count and the Deliver button follow what the server has stored (templates/live/
  // _delivery_state.html, polled by live.js; asked again right after files are stored, batched within 0.3 s).
  let deliveryTimer = null;
  function refreshDelivery() {
    if (deliveryTimer) return;
    deliveryTimer = setTimeout(() => {
      deliveryTimer = null;
      if (window.Live) window.Live.refresh(document.getElementById("delivery-state"));
    }, 300);
  }
  document.addEventListener("live:updated", (e) => {
    if (e.target.id !== "delivery-state") return;
    const n = Number(e.target.dataset.assetCount) || 0;
    const count = document.getElementById("asset-count");
    if (count) count.textContent = n + " file" + (n === 1 ? "" : "s");
  });

  // Folders dropped on the zone are walked recursively.
  async function entriesToFiles(entry, out) {
    if (entry.isFile) {
      out.push(await new Promise((res, rej) => entry.file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const child of batch) await entriesToFiles(child, out);
      }
    }
  }

  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const entries = Array.from(e.dataTransfer.items || []).map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    if (entries.length) {
      const files = [];
      for (const entry of entries) await entriesToFiles(entry, files);
      addFiles(files);
    } else {
      addFiles(Array.from(e.dataTransfer.files || []));
    }
  });
  for (const id of ["pick-files", "pick-folder"]) {
    const input = document.getElementById(id);
    input.addEventListener("change", () => { addFiles(Array.from(input.files)); input.value = ""; });
  }
  showPending();
})();
