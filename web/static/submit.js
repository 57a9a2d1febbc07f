// The witness's form (GET /e/{election}/submit): checks a sheet as it is
// typed with the server's flag rules, keeps a draft and a queue of sheets
// in IndexedDB, and sends them (photos first, then the sheet, each safe to
// retry) whenever there is a connection. The page's data is the JSON in
// #form-data (web/form.go, formData).
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("form-data").textContent);
  const msg = (k, ...args) => (data.messages[k] || k).replace(/\{(\d)\}/g, (_, i) => String(args[+i]));
  const $ = (id) => document.getElementById(id);
  const form = $("sheet-form");

  // check mirrors actas.Check (sheet.go): the flags the server will raise
  // for a well-formed sheet of a station with the given figures. A sheet's
  // voters is -1 when not stated (actas.Unknown).
  function check(sheet, st) {
    const f = new Set();
    const valid = sheet.votes.reduce((a, b) => a + b, 0);
    if (valid + sheet.blank + sheet.null !== sheet.ballots) f.add("sum-mismatch");
    if (sheet.voters !== -1 && sheet.voters !== sheet.ballots) f.add("voters-differ-from-ballots");
    const r = st ? st.registered : 0;
    if (r > 0) {
      if (sheet.ballots > r || sheet.voters > r) f.add("ballots-exceed-registered");
      if (sheet.votes.some((v) => v > r) || sheet.blank > r || sheet.null > r) f.add("exceeds-capacity");
    }
    const cap = st ? st.capacity : 0;
    if (cap > 0 && (sheet.ballots > cap || sheet.voters > cap)) f.add("exceeds-capacity");
    return data.flags.map((x) => x.name).filter((n) => f.has(n));
  }
  // For tests and curious readers: the verdict on a sheet of a listed station.
  window.actasCheck = (sheet, code) => check(sheet, data.stations[code]);

  const contestSel = $("f-contest");
  function fieldsets() {
    return [...document.querySelectorAll("fieldset[data-contest]")];
  }
  function showContest() {
    for (const fs of fieldsets()) {
      const on = fs.dataset.contest === contestSel.value;
      fs.hidden = !on;
      fs.disabled = !on;
    }
  }

  // count reads a number field: null when empty, NaN when not a whole
  // number between 0 and the largest count.
  function count(el) {
    const s = el.value.trim();
    if (s === "") return null;
    if (!/^\d+$/.test(s)) return NaN;
    const n = Number(s);
    return n <= data.max_count ? n : NaN;
  }

  // read returns the form's sheet, or {missing} / {invalid}.
  function read() {
    const fs = fieldsets().find((x) => x.dataset.contest === contestSel.value);
    const fields = [...fs.querySelectorAll("input[data-choice]"), $("f-blank"), $("f-null"), $("f-ballots")];
    const vals = fields.map(count);
    const voters = count($("f-voters"));
    if (vals.some(Number.isNaN) || Number.isNaN(voters)) return { invalid: true };
    if (vals.some((v) => v === null)) return { missing: true };
    const n = vals.length;
    const votes = {};
    [...fs.querySelectorAll("input[data-choice]")].forEach((el, i) => { votes[el.dataset.choice] = vals[i]; });
    return {
      sheet: { votes: vals.slice(0, n - 3), blank: vals[n - 3], null: vals[n - 2], ballots: vals[n - 1], voters: voters === null ? -1 : voters },
      votes,
    };
  }

  function showChecks() {
    const note = $("check-note");
    const list = $("flags");
    list.replaceChildren();
    const got = read();
    if (got.invalid) { note.textContent = msg("invalid", data.max_count); return; }
    if (got.missing) { note.textContent = msg("incomplete"); return; }
    const names = check(got.sheet, data.stations[$("f-station").value]);
    note.textContent = names.length ? "" : msg("noflags");
    for (const n of names) {
      const li = document.createElement("li");
      li.className = "flag";
      li.dataset.flag = n;
      li.textContent = data.flags.find((x) => x.name === n).text;
      list.append(li);
    }
  }

  // IndexedDB: "drafts" holds the form's fields per election; "queue" the
  // sheets to send, by their idempotency key, photos as Blobs.
  let dbp;
  function db() {
    dbp ||= new Promise((ok, fail) => {
      const req = indexedDB.open("actas-form", 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore("drafts");
        req.result.createObjectStore("queue", { keyPath: "key" });
      };
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    return dbp;
  }
  async function idb(store, mode, fn) {
    const d = await db();
    return new Promise((ok, fail) => {
      const tx = d.transaction(store, mode);
      const req = fn(tx.objectStore(store));
      tx.oncomplete = () => ok(req && req.result);
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error);
    });
  }
  const put = (store, v, k) => idb(store, "readwrite", (s) => s.put(v, k));
  const get = (store, k) => idb(store, "readonly", (s) => s.get(k));
  const del = (store, k) => idb(store, "readwrite", (s) => s.delete(k));
  const all = (store) => idb(store, "readonly", (s) => s.getAll());

  function fieldValues() {
    const v = {};
    for (const el of form.querySelectorAll("input:not([type=file]), select, textarea")) if (el.id) v[el.id] = el.value;
    return v;
  }
  const draftKey = data.election + "/" + data.account;
  let draftTimer;
  function saveDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => put("drafts", fieldValues(), draftKey).catch(() => {}), 300);
  }
  async function loadDraft() {
    const v = await get("drafts", draftKey).catch(() => null);
    if (!v) return;
    for (const [id, val] of Object.entries(v)) {
      const el = $(id);
      if (el && el.type !== "file" && el.type !== "hidden") el.value = val;
    }
  }

  // A phone may be shared: each account sees and sends only its own sheets,
  // so that nobody's sheet is ever sent under another's name.
  const mine = (i) => i.election === data.election && i.account === data.account;

  // Sending. Each queued item: {key, election, account, created, body, photos:
  // [{blob, sha256}], state, index, receipt_url, checkpoint, flags,
  // error, tries, next}.
  let running = false;
  let again = false; // asked to run while running: run once more after
  let timer;
  function backoff(item) {
    item.tries = (item.tries || 0) + 1;
    const base = Math.min(2000 * 2 ** (item.tries - 1), 300000);
    item.next = Date.now() + base * (0.5 + Math.random() / 2);
  }

  // send answers how a request went: {ok, status, body} or {offline}.
  async function send(url, init) {
    try {
      const resp = await fetch(url, { credentials: "same-origin", cache: "no-store", ...init });
      let body = null;
      try { body = await resp.json(); } catch { body = null; }
      return { ok: resp.ok, status: resp.status, body };
    } catch {
      return { offline: true };
    }
  }

  // settle records a failed answer: 401 waits for a new sign-in, other
  // refusals stop, the rest (no connection, server errors) retry later.
  function settle(item, r) {
    if (r.status === 401) {
      item.state = "signin";
      item.error = "";
    } else if (!r.offline && r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
      item.state = "refused";
      item.error = (r.body && r.body.error && r.body.error.message) || String(r.status);
    } else {
      backoff(item);
    }
  }

  function confirm(item, receipt) {
    item.state = "confirmed";
    item.index = receipt.index;
    // The signed note's second line is the log's size (C2SP tlog-checkpoint).
    item.checkpoint = Number((receipt.checkpoint || "").split("\n")[1]) || 0;
  }

  async function step(item) {
    if (item.state === "pending" || item.state === "signin") {
      for (const p of item.photos) {
        if (p.sha256) continue;
        const r = await send(data.urls.evidence, { method: "POST", headers: { "Content-Type": p.blob.type || "application/octet-stream" }, body: p.blob });
        if (!r.ok) { settle(item, r); return; }
        p.sha256 = r.body.sha256;
        await put("queue", item); // a photo sent is not sent again
      }
      const body = { ...item.body, photos: item.photos.map((p) => p.sha256), idempotency_key: item.key };
      const r = await send(data.urls.submissions, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (!r.ok) { settle(item, r); return; }
      item.index = r.body.index;
      item.flags = r.body.flags || [];
      item.receipt_url = r.body.receipt_url;
      item.tries = 0;
      item.next = 0;
      if (r.body.receipt) confirm(item, r.body.receipt);
      else item.state = "sent";
      return;
    }
    if (item.state === "sent") {
      const r = await send(item.receipt_url, { method: "GET" });
      if (r.ok) { confirm(item, r.body); return; }
      if (r.status === 404 || r.offline || r.status >= 500) {
        item.tries = Math.min((item.tries || 0) + 1, 4);
        item.next = Date.now() + 1000 * item.tries;
        return;
      }
      settle(item, r);
    }
  }

  // process sends what is due, one item at a time, and plans the next run.
  async function process(force) {
    if (running) { again = true; return; }
    running = true;
    again = false;
    clearTimeout(timer);
    try {
      const items = (await all("queue")).filter(mine);
      items.sort((a, b) => a.created - b.created);
      for (const item of items) {
        if (item.state === "confirmed" || item.state === "refused") continue;
        if (item.state === "signin" && !force) continue;
        if (!force && item.next && item.next > Date.now()) continue;
        await step(item);
        await put("queue", item);
        render(await all("queue"));
      }
      const rest = (await all("queue")).filter((i) => mine(i) && (i.state === "pending" || i.state === "sent"));
      render(await all("queue"));
      if (rest.length) {
        const due = Math.min(...rest.map((i) => i.next || 0));
        timer = setTimeout(() => process(false), Math.max(500, due - Date.now()));
      }
    } finally {
      running = false;
    }
    if (again) process(true);
  }

  function render(items) {
    const ol = $("queue");
    ol.replaceChildren();
    items = items.filter(mine).sort((a, b) => b.created - a.created);
    for (const item of items) {
      const li = document.createElement("li");
      li.className = "item " + item.state;
      li.dataset.state = item.state;
      li.dataset.key = item.key;
      const head = document.createElement("p");
      const strong = document.createElement("strong");
      strong.textContent = msg("state." + item.state);
      head.append(strong, " · " + msg("station") + " " + item.body.station + " · " + new Date(item.created).toLocaleTimeString(document.documentElement.lang));
      if (item.photos.length) head.append(" · " + msg("photos", item.photos.length));
      li.append(head);
      const p = document.createElement("p");
      if (item.index) {
        p.append(msg("entry", item.index) + (item.checkpoint ? " " + msg("checkpoint", item.checkpoint) : "") + " · ");
        const a = document.createElement("a");
        a.href = item.receipt_url;
        a.className = "receipt";
        a.textContent = msg("receipt");
        p.append(a, " · ");
      }
      const st = document.createElement("a");
      st.href = data.urls.station + encodeURIComponent(item.body.station);
      st.className = "station";
      st.textContent = msg("station") + " " + item.body.station;
      p.append(st);
      li.append(p);
      if (item.flags && item.flags.length) {
        const ul = document.createElement("ul");
        for (const n of item.flags) {
          const f = document.createElement("li");
          f.className = "flag";
          f.textContent = (data.flags.find((x) => x.name === n) || { text: n }).text;
          ul.append(f);
        }
        li.append(ul);
      }
      if (item.state === "signin") {
        const a = document.createElement("a");
        a.href = data.urls.signin;
        a.className = "signin";
        a.textContent = msg("state.signin");
        li.append(a);
      } else if (item.state === "refused") {
        const e = document.createElement("p");
        e.className = "refused";
        e.textContent = item.error;
        li.append(e);
      } else if ((item.state === "pending" || item.state === "sent") && item.next > Date.now()) {
        const e = document.createElement("p");
        e.className = "retry";
        e.textContent = msg("retry", new Date(item.next).toLocaleTimeString(document.documentElement.lang));
        li.append(e);
      }
      ol.append(li);
    }
  }

  function showNet() {
    const p = $("net");
    p.hidden = false;
    p.className = "net " + (navigator.onLine ? "online" : "offline");
    p.textContent = navigator.onLine ? msg("online") : msg("offline");
  }

  // The idempotency key is made once, when the witness presses Send: every
  // retry of this sheet, from this page or after a restart, carries it.
  async function queue(ev) {
    ev.preventDefault();
    const err = $("form-error");
    err.hidden = true;
    const got = read();
    const station = $("f-station").value.trim();
    if (!station || got.missing || got.invalid) {
      err.textContent = got.invalid ? msg("invalid", data.max_count) : msg("incomplete");
      err.hidden = false;
      return;
    }
    const body = { station, contest: contestSel.value, votes: got.votes, blank: got.sheet.blank, null: got.sheet.null, ballots: got.sheet.ballots };
    if (got.sheet.voters !== -1) body.voters = got.sheet.voters;
    const qr = $("f-qr").value.trim();
    if (qr) body.qr = qr;
    const photos = [...$("f-photos").files].map((f) => ({ blob: f, sha256: "" }));
    const item = { key: crypto.randomUUID(), election: data.election, account: data.account, created: Date.now(), body, photos, state: "pending", tries: 0, next: 0 };
    await put("queue", item);
    clearTimeout(draftTimer);
    await del("drafts", draftKey).catch(() => {});
    for (const el of form.querySelectorAll("input[type=number], textarea")) el.value = "";
    $("f-photos").value = "";
    showChecks();
    render(await all("queue"));
    process(true);
  }

  // The form's shell is cached for offline use by the service worker; the
  // page caches itself and its files, which the worker then serves.
  async function offlineShell() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(data.urls.worker, { scope: data.urls.form });
      const c = await caches.open("actas-form-v1");
      await c.addAll([data.urls.form, ...data.urls.shell]);
    } catch {
      // Offline already, or storage refused: the queue still works while the page stays open.
    }
  }

  contestSel.addEventListener("change", () => { showContest(); showChecks(); });
  form.addEventListener("input", () => { showChecks(); saveDraft(); });
  form.addEventListener("change", showChecks);
  form.addEventListener("submit", queue);
  window.addEventListener("online", () => { showNet(); process(true); });
  window.addEventListener("offline", showNet);
  window.actasProcess = () => process(true);

  (async () => {
    showNet();
    await loadDraft();
    showContest();
    showChecks();
    render(await all("queue").catch(() => []));
    document.documentElement.dataset.ready = "true";
    process(true);
    offlineShell();
  })();
})();
