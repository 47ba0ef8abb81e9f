/* Grade-entry grid (issue 3): keyboard-first editing, validation as typed, paste from a
   spreadsheet, comment bank, and autosave with idempotent retries. Plain JS, no build step.

   A "cell" is one pupil × one column (level, score where tested, comment); it is saved whole.
   The server is the authority: these checks mirror hocbaso/regulation/cells.py so the teacher
   sees the same message before saving, and invalid cells are never sent. */
(function () {
  "use strict";

  const table = document.getElementById("sheet-grid");
  const configNode = document.getElementById("sheet-config");
  if (!table || !configNode) return;
  const config = JSON.parse(configNode.textContent);
  if (!config.canWrite) return;

  const text = document.getElementById("sheet-text").dataset;
  const statusLine = document.getElementById("sheet-status");
  const noticeBox = document.getElementById("sheet-notice");
  const conflictBox = document.getElementById("sheet-conflicts");
  const bankBox = document.getElementById("sheet-bank");
  const DEBOUNCE_MS = 800;
  const LEVELS = { subject: ["T", "H", "C"], rated: ["T", "Đ", "C"] };
  // Full names pasted from other tools (TT27 Art. 7 cl. 1a and cl. 2).
  const LEVEL_NAMES = {
    subject: { "HOÀN THÀNH TỐT": "T", "HOÀN THÀNH": "H", "CHƯA HOÀN THÀNH": "C" },
    rated: { "TỐT": "T", "ĐẠT": "Đ", "CẦN CỐ GẮNG": "C", "D": "Đ" },
  };

  let version = config.version;
  let csrf = table.dataset.csrf;
  const cells = new Map(); // "student|code" -> cell
  const grid = []; // rows of inputs, in visual order
  const where = new Map(); // input -> {r, c}

  // -- model -------------------------------------------------------------------------------

  const fmt = (template, value) => template.replace("%s", String(value));
  const cellOf = (input) => cells.get(input.closest("tr").dataset.student + "|" + input.dataset.code);
  const scale = (cell) => (cell.kind === "subject" ? "subject" : "rated");

  function normLevel(cell, raw) {
    const value = String(raw).normalize("NFC").trim().toUpperCase();
    return LEVEL_NAMES[scale(cell)][value] || value;
  }

  function currentValue(cell) {
    const scoreRaw = cell.inputs.score ? cell.inputs.score.value.trim() : "";
    return {
      level: normLevel(cell, cell.inputs.level.value),
      score: scoreRaw === "" ? null : /^\d+$/.test(scoreRaw) ? parseInt(scoreRaw, 10) : scoreRaw,
      comment: cell.inputs.comment.value.normalize("NFC").trim(),
    };
  }

  const same = (a, b) => a.level === b.level && a.score === b.score && a.comment === b.comment;
  const isDirty = (cell) => !same(currentValue(cell), cell.saved);

  /* Messages per field: {level, score, comment} errors, and a warning for score 0 (D3). */
  function check(cell) {
    const out = { level: "", score: "", comment: "", warning: "" };
    const levelRaw = cell.inputs.level.value.trim();
    if (levelRaw && !LEVELS[scale(cell)].includes(normLevel(cell, levelRaw))) {
      const allowed = LEVELS[scale(cell)].join(", ");
      out.level = `${cell.label}: mức đạt được «${levelRaw}» không hợp lệ (chỉ nhận ${allowed})`;
    }
    if (cell.inputs.score) {
      const raw = cell.inputs.score.value.trim();
      if (raw && !/^\d+$/.test(raw)) {
        out.score = `${cell.label}: điểm kiểm tra «${raw}» không hợp lệ (cần số nguyên, không nhập số thập phân)`;
      } else if (raw && parseInt(raw, 10) > 10) {
        out.score = `${cell.label}: điểm kiểm tra «${raw}» không hợp lệ (cần số nguyên từ 0 đến 10)`;
      } else if (raw && parseInt(raw, 10) === 0) {
        out.warning = text.zero;
      }
    }
    if (currentValue(cell).comment.length > config.commentMax) {
      out.comment = `${cell.label}: nhận xét dài quá ${config.commentMax} kí tự.`;
    }
    return out;
  }

  const isValid = (cell) => {
    const c = check(cell);
    return !c.level && !c.score && !c.comment;
  };

  function paint(cell) {
    const result = check(cell);
    for (const field of ["level", "score", "comment"]) {
      const input = cell.inputs[field];
      if (!input) continue;
      const message = result[field] || (field === "score" ? result.warning : "");
      const td = input.parentElement;
      td.classList.toggle("invalid", Boolean(result[field]));
      td.classList.toggle("warn", !result[field] && Boolean(message));
      td.classList.toggle("conflict", cell.conflict !== null);
      td.classList.toggle("dirty", isDirty(cell));
      input.setAttribute("aria-invalid", result[field] ? "true" : "false");
      td.querySelector(".cell-msg").textContent = message;
    }
  }

  function build() {
    table.querySelectorAll("tbody tr[data-student]").forEach((tr) => {
      const row = [];
      tr.querySelectorAll("input[data-field]").forEach((input) => {
        const key = tr.dataset.student + "|" + input.dataset.code;
        if (!cells.has(key)) {
          const saved = config.values[key] || { level: "", score: null, comment: "" };
          cells.set(key, {
            student: parseInt(tr.dataset.student, 10),
            code: input.dataset.code,
            kind: input.dataset.kind,
            label: input.dataset.label,
            inputs: {},
            saved: { level: saved.level, score: saved.score, comment: saved.comment },
            conflict: null,
          });
        }
        const cell = cells.get(key);
        cell.inputs[input.dataset.field] = input;
        where.set(input, { r: grid.length, c: row.length });
        row.push(input);
      });
      grid.push(row);
    });
    // The server's values win over whatever the browser restored into the inputs.
    cells.forEach((cell) => {
      setInputs(cell, cell.saved);
      paint(cell);
    });
  }

  function setInputs(cell, value) {
    cell.inputs.level.value = value.level || "";
    if (cell.inputs.score) cell.inputs.score.value = value.score === null ? "" : String(value.score);
    cell.inputs.comment.value = value.comment || "";
  }

  // -- saving ------------------------------------------------------------------------------

  let timer = null;
  let inflight = null;
  let retryBatch = null;
  let retryTimer = null;
  let retryDelay = 1000;
  let blockedMessage = ""; // a 400 or an expired session: wait for the next edit or "Lưu ngay"
  let stopped = false; // 403/404: the teacher lost the right to write
  let lastSaved = null;

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const pending = () =>
    Array.from(cells.values()).filter((c) => c.conflict === null && isDirty(c) && isValid(c));

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => flush(false), DEBOUNCE_MS);
    refreshStatus();
  }

  function flush(force, keepalive) {
    clearTimeout(timer);
    timer = null;
    if (inflight || stopped) return; // the batch in flight flushes again when it ends
    if (retryBatch) {
      if (!force && retryTimer) return; // keep the back-off during an outage
      clearTimeout(retryTimer);
      retryTimer = null;
      send(retryBatch, keepalive); // a retry is the same batch with the same key
      return;
    }
    if (blockedMessage && !force) return;
    blockedMessage = "";
    const list = pending();
    if (!list.length) return refreshStatus();
    const batch = { key: newKey(), version, items: list.map((c) => ({ cell: c, value: currentValue(c) })) };
    send(batch, keepalive);
  }

  async function send(batch, keepalive) {
    inflight = batch;
    refreshStatus();
    const body = JSON.stringify({
      version: batch.version,
      idempotency_key: batch.key,
      cells: batch.items.map(({ cell, value }) => ({ student: cell.student, code: cell.code, ...value })),
    });
    let response = null;
    let data = null;
    try {
      response = await fetch(config.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body,
      });
      if ((response.headers.get("Content-Type") || "").includes("application/json")) {
        data = await response.json();
      }
    } catch (err) {
      response = null;
    }
    inflight = null;
    if (response === null || response.status >= 500) return retryLater(batch);
    retryBatch = null;
    retryDelay = 1000;
    if (response.status === 403 && data === null && !batch.tokenRefreshed && (await refreshToken())) {
      batch.tokenRefreshed = true; // the CSRF token rotated (a login in another tab): same batch
      return send(batch, keepalive);
    }
    if (response.ok && data) onSaved(batch, data);
    else if (response.status === 409 && data) onConflict(data);
    // 423: the sheet was locked (khóa sổ) meanwhile; shown like a 400, nothing was saved
    else if ((response.status === 400 || response.status === 423) && data && data.errors)
      blockedMessage = text.failed + " " + data.errors.join(" ");
    else if (response.redirected || data === null && response.ok) blockedMessage = text.session;
    else stopped = true;
    refreshStatus();
    if (!stopped && !blockedMessage && pending().length) schedule();
  }

  function retryLater(batch) {
    retryBatch = batch;
    const seconds = Math.round(retryDelay / 1000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      flush(true);
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
    setStatus("offline", fmt(text.offline, seconds));
  }

  async function refreshToken() {
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok || response.redirected) return false;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("sheet-grid");
      if (!fresh || !fresh.dataset.csrf) return false;
      csrf = fresh.dataset.csrf;
      return true;
    } catch (err) {
      return false;
    }
  }

  function onSaved(batch, data) {
    batch.items.forEach(({ cell, value }) => {
      cell.saved = value;
      paint(cell);
    });
    const expected = batch.version + (data.changed > 0 ? 1 : 0);
    if (data.version > expected) showNotice(text.newer, true);
    version = Math.max(version, data.version);
    table.dataset.version = String(version);
    const at = new Date(data.saved_at);
    lastSaved = Number.isNaN(at.getTime()) ? new Date() : at;
  }

  function onConflict(data) {
    // The page now knows the newer version; conflicting cells are held until the teacher
    // chooses, so the next save cannot overwrite the other value silently.
    version = Math.max(version, data.version);
    table.dataset.version = String(version);
    data.conflicts.forEach((conflict) => {
      const cell = cells.get(conflict.student + "|" + conflict.code);
      if (!cell) return;
      cell.conflict = conflict;
      paint(cell);
    });
    renderConflicts();
  }

  function resolve(cell, keepMine) {
    const theirs = cell.conflict.theirs;
    cell.saved = { level: theirs.level, score: theirs.score, comment: theirs.comment };
    if (!keepMine) setInputs(cell, cell.saved);
    cell.conflict = null;
    paint(cell);
    renderConflicts();
    schedule();
  }

  function renderConflicts() {
    const held = Array.from(cells.values()).filter((c) => c.conflict !== null);
    conflictBox.replaceChildren();
    conflictBox.hidden = held.length === 0;
    if (!held.length) return;
    const title = document.createElement("h2");
    title.textContent = text.conflictTitle;
    const help = document.createElement("p");
    help.textContent = text.conflictHelp;
    const list = document.createElement("ul");
    held.forEach((cell) => {
      const item = document.createElement("li");
      item.dataset.conflict = cell.student + "|" + cell.code;
      const message = document.createElement("span");
      message.className = "conflict-message";
      message.textContent = cell.conflict.message;
      item.append(message, " ", button(text.keepMine, () => resolve(cell, true)), " ",
        button(text.takeTheirs, () => resolve(cell, false)));
      list.append(item);
    });
    conflictBox.append(title, help, list, button(text.reload, () => window.location.reload()));
  }

  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn secondary";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  // -- status --------------------------------------------------------------------------------

  function setStatus(state, message) {
    statusLine.dataset.state = state;
    statusLine.textContent = message;
  }

  function refreshStatus() {
    const all = Array.from(cells.values());
    const invalid = all.filter((c) => !isValid(c)).length;
    if (stopped) return setStatus("error", text.denied);
    if (inflight) return setStatus("saving", text.saving);
    if (retryBatch) return; // the offline message stays until the retry
    if (blockedMessage) return setStatus("error", blockedMessage);
    if (all.some((c) => c.conflict !== null)) return setStatus("conflict", text.conflictStatus);
    if (pending().length) return setStatus("dirty", text.dirty);
    if (invalid) return setStatus("invalid", fmt(text.invalid, invalid));
    if (lastSaved) {
      const hhmm = [lastSaved.getHours(), lastSaved.getMinutes()].map((n) => String(n).padStart(2, "0"));
      return setStatus("saved", fmt(text.saved, hhmm.join(":")));
    }
    return setStatus("idle", text.idle);
  }

  function showNotice(message, withReload) {
    noticeBox.replaceChildren(message);
    if (withReload) noticeBox.append(" ", button(text.reload, () => window.location.reload()));
    noticeBox.hidden = false;
  }

  // -- editing -------------------------------------------------------------------------------

  function changed(input) {
    const cell = cellOf(input);
    if (input.dataset.field === "level") {
      const level = normLevel(cell, input.value);
      if (LEVELS[scale(cell)].includes(level)) input.value = level;
    }
    blockedMessage = "";
    paint(cell);
    if (input === document.activeElement && input.dataset.field === "comment") showBank(input);
    schedule();
  }

  let anchor = null; // Excel's rule: Enter goes down to the column where Tab-typing began

  function focusAt(r, c) {
    const row = grid[r];
    if (!row || !row.length) return false;
    row[Math.max(0, Math.min(c, row.length - 1))].focus();
    return true;
  }

  function linear(r, c, step) {
    let row = r;
    let col = c + step;
    if (col >= grid[row].length) [row, col] = [row + 1, 0];
    if (col < 0 && row > 0) [row, col] = [row - 1, grid[row - 1].length - 1];
    if (!grid[row] || col < 0) return false;
    if (!anchor || anchor.r !== r) anchor = { r, c };
    return focusAt(row, col);
  }

  function advanceFromLevel(r, c) {
    // After a level, skip comment cells: typing T T H … walks levels and scores only.
    for (let row = r, col = c + 1; row < grid.length; row += 1, col = 0) {
      for (; col < grid[row].length; col += 1) {
        if (grid[row][col].dataset.field !== "comment") {
          if (row === r && (!anchor || anchor.r !== r)) anchor = { r, c };
          if (row !== r) anchor = null;
          return focusAt(row, col);
        }
      }
    }
    return false;
  }

  function onKeydown(event) {
    const input = event.target;
    if (!where.has(input) || event.isComposing || event.key === "Process") return;
    const { r, c } = where.get(input);
    const field = input.dataset.field;
    if (event.altKey && !event.ctrlKey && !event.metaKey && /^Digit[1-5]$/.test(event.code)) {
      if (field === "comment") {
        event.preventDefault();
        applyBank(input, parseInt(event.code.slice(5), 10) - 1);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const caretAtStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const caretAtEnd = input.selectionStart === input.value.length;
    switch (event.key) {
      case "ArrowUp":
      case "ArrowDown":
        event.preventDefault();
        anchor = null;
        focusAt(r + (event.key === "ArrowUp" ? -1 : 1), c);
        return;
      case "ArrowLeft":
      case "ArrowRight":
        if (field === "comment" && !(event.key === "ArrowLeft" ? caretAtStart : caretAtEnd)) return;
        event.preventDefault();
        anchor = null;
        focusAt(r, c + (event.key === "ArrowLeft" ? -1 : 1));
        return;
      case "Tab":
        if (linear(r, c, event.shiftKey ? -1 : 1)) event.preventDefault(); // else leave the grid
        return;
      case "Enter": {
        event.preventDefault();
        const col = anchor && anchor.r === r ? anchor.c : c;
        anchor = null;
        focusAt(r + (event.shiftKey ? -1 : 1), col);
        return;
      }
      case "Escape":
        event.preventDefault();
        input.value = input.dataset.before || "";
        changed(input);
        input.select();
        return;
      default:
    }
    if (field === "level" && event.key.length === 1 && event.key !== " ") {
      event.preventDefault();
      const cell = cellOf(input);
      input.value = normLevel(cell, event.key);
      changed(input);
      if (!check(cell).level) advanceFromLevel(r, c);
    }
  }

  function onFocusIn(event) {
    const input = event.target;
    if (!where.has(input)) return;
    input.dataset.before = input.value;
    if (input.dataset.field === "comment") {
      const end = input.value.length;
      input.setSelectionRange(end, end);
      showBank(input);
    } else {
      input.select();
      bankBox.hidden = true;
    }
  }

  // -- paste from Excel / Google Sheets --------------------------------------------------------

  function parseTsv(raw) {
    const rows = [[]];
    let field = "";
    let quoted = false;
    const s = raw.replace(/\r\n?/g, "\n");
    for (let i = 0; i < s.length; i += 1) {
      const ch = s[i];
      if (quoted) {
        if (ch === '"' && s[i + 1] === '"') {
          field += '"';
          i += 1;
        } else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"' && field === "") quoted = true;
      else if (ch === "\t") {
        rows[rows.length - 1].push(field);
        field = "";
      } else if (ch === "\n") {
        rows[rows.length - 1].push(field);
        rows.push([]);
        field = "";
      } else field += ch;
    }
    rows[rows.length - 1].push(field);
    const last = rows[rows.length - 1];
    if (rows.length > 1 && last.length === 1 && last[0] === "") rows.pop();
    return rows;
  }

  function onPaste(event) {
    const input = event.target;
    if (!where.has(input)) return;
    const source = event.clipboardData || window.clipboardData;
    if (!source) return;
    const raw = source.getData("text/plain");
    if (!/[\t\n\r]/.test(raw.replace(/[\r\n]+$/, ""))) {
      if (/[\r\n]+$/.test(raw)) {
        event.preventDefault(); // one spreadsheet cell: drop its trailing newline
        input.value = raw.replace(/[\r\n]+$/, "").trim();
        changed(input);
      }
      return;
    }
    event.preventDefault();
    const { r, c } = where.get(input);
    let filled = 0;
    let outside = 0;
    const touched = new Set();
    parseTsv(raw).forEach((values, i) =>
      values.forEach((value, j) => {
        const target = grid[r + i] && grid[r + i][c + j];
        if (!target) {
          if (value.trim()) outside += 1;
          return;
        }
        const cell = cellOf(target);
        target.value = target.dataset.field === "level" ? normLevel(cell, value) : value.trim();
        touched.add(cell);
        filled += 1;
      }),
    );
    touched.forEach(paint);
    blockedMessage = "";
    schedule();
    showNotice(fmt(text.pasted, filled) + (outside ? " " + fmt(text.pastedOutside, outside) : ""));
  }

  // -- comment bank --------------------------------------------------------------------------

  function bankFor(input) {
    const cell = cellOf(input);
    const level = normLevel(cell, cell.inputs.level.value);
    return (config.bank[cell.kind] || {})[level] || [];
  }

  function applyBank(input, index) {
    const comments = bankFor(input);
    if (!comments[index]) return showBank(input);
    input.value = comments[index];
    changed(input);
  }

  function showBank(input) {
    const comments = bankFor(input);
    bankBox.replaceChildren();
    const title = document.createElement("p");
    title.className = "bank-title";
    if (!comments.length) {
      title.textContent = text.bankNeedsLevel;
      bankBox.append(title);
    } else {
      title.textContent = fmt(text.bankTitle, comments.length);
      const list = document.createElement("ol");
      comments.forEach((comment, index) => {
        const item = document.createElement("li");
        const choice = button(comment, () => applyBank(input, index));
        choice.className = "link";
        choice.addEventListener("mousedown", (e) => e.preventDefault()); // keep the focus
        item.append(choice);
        list.append(item);
      });
      bankBox.append(title, list);
    }
    bankBox.hidden = false;
  }

  // -- wiring --------------------------------------------------------------------------------

  build();
  table.addEventListener("keydown", onKeydown);
  table.addEventListener("focusin", onFocusIn);
  table.addEventListener("input", (event) => where.has(event.target) && changed(event.target));
  table.addEventListener("paste", onPaste);
  table.addEventListener("mousedown", () => {
    anchor = null;
  });
  table.addEventListener("focusout", (event) => {
    if (!table.contains(event.relatedTarget) && !bankBox.contains(event.relatedTarget)) {
      bankBox.hidden = true;
      flush(false);
    }
  });
  document.getElementById("sheet-save-now").addEventListener("click", () => flush(true));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush(true, true);
  });
  window.addEventListener("beforeunload", (event) => {
    if (inflight || retryBatch || pending().length) {
      event.preventDefault(); // unsaved cells: let the browser ask before leaving
      event.returnValue = "";
    }
  });
  refreshStatus();
  if (grid.length && window.matchMedia("(hover: hover) and (pointer: fine)").matches) focusAt(0, 0);
})();
