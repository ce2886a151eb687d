/* The self-assessment page: scores as the officer types, autosave, a queue that survives a
 * dropped connection (localStorage), conflicts shown side by side, filters and search.
 * Plain JavaScript, no framework: provincial intranets are often offline. */
(function () {
  "use strict";

  var configNode = document.getElementById("assessment-config");
  var table = document.getElementById("criteria-table");
  if (!configNode || !table) return;
  var config = JSON.parse(configNode.textContent);
  var S = config.strings;
  var PREFIX = "dti:a" + config.assessment + ":";
  var DEBOUNCE_MS = 500;
  var RETRY_MS = 4000;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // ------------------------------------------------------------ the browser's store of unsaved changes

  var store = {
    keys: function (prefix) {
      var found = [];
      try {
        for (var i = 0; i < localStorage.length; i++) {
          var key = localStorage.key(i);
          if (key && key.indexOf(prefix) === 0) found.push(key);
        }
      } catch (e) { /* storage disabled: changes live only in the page */ }
      return found;
    },
    set: function (key, value) {
      try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or disabled */ }
    },
    get: function (key) {
      try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
    },
    removePrefix: function (prefix) {
      this.keys(prefix).forEach(function (key) {
        try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
      });
    }
  };

  // ------------------------------------------------------------ talking to the server

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Resolves to {kind, status, data}: kind is "ok", "http" (a JSON refusal: 400/403/404/409),
   * "network" (no connection, or the server failed: try again later) or "session" (signed out). */
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status >= 500) return { kind: "network", status: response.status };
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("application/json") === -1) {
        return { kind: "session", status: response.status };
      }
      return response.json().then(function (data) {
        return { kind: response.ok ? "ok" : "http", status: response.status, data: data };
      }, function () { return { kind: "network", status: response.status }; });
    }, function () { return { kind: "network" }; });
  }

  // ------------------------------------------------------------ page-wide state

  var saveState = document.getElementById("save-state");
  var offlineBanner = document.getElementById("offline-banner");
  var noticeBanner = document.getElementById("notice-banner");
  var failing = new Set();
  var inflight = 0;
  var savedOnce = false;
  var retryTimer = null;

  function updateSaveState() {
    offlineBanner.hidden = failing.size === 0;
    if (inflight > 0) {
      saveState.textContent = S.saving;
      saveState.className = "savestate saving";
    } else if (failing.size > 0) {
      saveState.textContent = S.waiting;
      saveState.className = "savestate error";
    } else {
      saveState.textContent = savedOnce ? S.saved : "";
      saveState.className = "savestate" + (savedOnce ? " saved" : "");
    }
  }

  function retryAll() {
    Array.from(failing).forEach(function (saver) { saver.send(true); });
  }

  function markFailing(saver) {
    failing.add(saver);
    if (!retryTimer) retryTimer = setInterval(retryAll, RETRY_MS);
    updateSaveState();
  }

  function clearFailing(saver) {
    failing.delete(saver);
    if (failing.size === 0 && retryTimer) {
      clearInterval(retryTimer);
      retryTimer = null;
    }
    updateSaveState();
  }

  window.addEventListener("online", retryAll);

  function showNotice(text) {
    noticeBanner.textContent = text;
    noticeBanner.hidden = !text;
  }

  // ------------------------------------------------------------ scores, subtotals, progress

  var scoreOf = new Map();  // code -> the element showing its score
  var rowOf = new Map();    // code -> a leaf's row
  table.querySelectorAll("[data-score-for]").forEach(function (node) {
    scoreOf.set(node.getAttribute("data-score-for"), node);
  });
  var leafRows = Array.prototype.slice.call(table.querySelectorAll("tr.leaf"));
  var nodeRows = Array.prototype.slice.call(table.querySelectorAll("tr.node"));
  leafRows.forEach(function (tr) { rowOf.set(tr.dataset.code, tr); });

  function setScore(code, display, status) {
    var node = scoreOf.get(code);
    if (node) node.textContent = display;
    var tr = rowOf.get(code);
    if (tr && status) tr.dataset.status = status;
  }

  function setTotal(display) {
    document.getElementById("total-score").textContent = display;
    var foot = document.getElementById("total-score-foot");
    if (foot) foot.textContent = display;
  }

  function applyScores(data) {
    setScore(data.code, data.display, data.status);
    (data.parents || []).forEach(function (parent) { setScore(parent.code, parent.display); });
    setTotal(data.total_display);
    recount();
  }

  function applyAllScores(data) {
    Object.keys(data.nodes).forEach(function (code) {
      var node = data.nodes[code];
      setScore(code, node.display, rowOf.has(code) ? node.status : null);
    });
    Object.keys(data.fixed || {}).forEach(function (code) {
      var tr = rowOf.get(code);
      if (!tr) return;
      Object.keys(data.fixed[code]).forEach(function (key) {
        var output = tr.querySelector('[data-fixed="' + key + '"]');
        if (output) output.textContent = data.fixed[code][key] || "—";
      });
    });
    setTotal(data.total_display);
    recount();
  }

  function isAnswered(status) { return status !== "unanswered" && status !== "invalid"; }

  function recount() {
    var answered = 0;
    var withoutEvidence = 0;
    leafRows.forEach(function (tr) {
      if (tr.dataset.counts !== "1") return;
      if (isAnswered(tr.dataset.status)) answered++;
      if (tr.dataset.evidence === "0" && tr.dataset.status !== "na") withoutEvidence++;
    });
    document.getElementById("count-answered").textContent = answered;
    document.getElementById("progress").value = answered;
    document.getElementById("count-noevidence").textContent = withoutEvidence;
  }

  // ------------------------------------------------------------ numbers as the reader writes them

  function displayNumber(value) {
    if (value === null || value === undefined) return "";
    var text = String(value);
    if (config.lang.indexOf("vi") === 0 && /^-?\d+(\.\d+)?$/.test(text)) return text.replace(".", ",");
    return text;
  }

  function sameNumber(a, b) {
    var x = parseFloat(String(a).replace(",", "."));
    var y = parseFloat(String(b).replace(",", "."));
    return !isNaN(x) && x === y;
  }

  function sameFigures(theirs, mine) {
    var keys = new Set(Object.keys(theirs.inputs || {}).concat(Object.keys(mine.inputs || {})));
    var same = true;
    keys.forEach(function (key) {
      var a = (theirs.inputs || {})[key];
      var b = (mine.inputs || {})[key];
      if (a === b) return;
      if (a === undefined || b === undefined || a === false || b === false) { same = same && !a && !b; return; }
      if (!sameNumber(a, b) && String(a) !== String(b)) same = false;
    });
    return same && (theirs.note || "").trim() === (mine.note || "").trim();
  }

  // ------------------------------------------------------------ a saver: debounce, one request at a time, retry

  function Saver(prefix) {
    this.prefix = prefix;
    this.timer = null;
    this.busy = false;
    this.again = false;
    this.version = 0;
  }

  Saver.prototype.persist = function () {
    store.removePrefix(this.prefix);
    store.set(this.prefix + "v" + this.version, this.pending());
  };

  Saver.prototype.forget = function () { store.removePrefix(this.prefix); };

  Saver.prototype.changed = function () {
    if (!this.hasChanges()) return;
    this.persist();
    this.state("", "");
    clearTimeout(this.timer);
    var self = this;
    this.timer = setTimeout(function () { self.send(); }, DEBOUNCE_MS);
  };

  Saver.prototype.send = function (force) {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.busy) {
      this.again = true;
      return;
    }
    if (!force && !this.hasChanges()) {
      this.forget();
      return;
    }
    var body = this.body();
    if (!body) return;
    var self = this;
    this.busy = true;
    inflight++;
    this.state("saving", S.saving);
    updateSaveState();
    post(this.url, body).then(function (result) {
      self.busy = false;
      inflight--;
      if (result.kind === "network") {
        self.again = false;
        self.persist();
        self.state("waiting", S.waiting);
        markFailing(self);
        return;
      }
      clearFailing(self);
      if (result.kind === "session") {
        self.again = false;
        self.persist();
        self.state("error", S.waiting);
        showNotice(S.signedOut);
        updateSaveState();
        return;
      }
      self.handle(result, body);
      updateSaveState();
      if (self.again) {
        self.again = false;
        self.send();
      }
    });
  };

  // ------------------------------------------------------------ one criterion

  function CriterionSaver(tr) {
    Saver.call(this, PREFIX + "c" + tr.dataset.criterion + ":");
    this.tr = tr;
    this.version = parseInt(tr.dataset.version, 10) || 0;
    this.url = config.answerUrl.replace("{id}", tr.dataset.criterion);
    this.stateNode = tr.querySelector("td.score .state");
    this.conflictNode = tr.querySelector(".conflict");
    this.lastSaved = JSON.stringify(this.values());
  }
  CriterionSaver.prototype = Object.create(Saver.prototype);

  CriterionSaver.prototype.values = function () {
    var inputs = {};
    this.tr.querySelectorAll("[data-input]").forEach(function (input) {
      var key = input.dataset.input;
      if (input.type === "radio") {
        if (input.checked) inputs[key] = input.value === "1";
      } else if (input.type === "checkbox") {
        if (input.checked) inputs[key] = true;
      } else if (input.value.trim() !== "") {
        inputs[key] = input.value.trim();
      }
    });
    var note = this.tr.querySelector("[data-note]");
    return { inputs: inputs, note: note ? note.value : "" };
  };

  CriterionSaver.prototype.pending = function () {
    var values = this.values();
    values.version = this.version;
    return values;
  };

  CriterionSaver.prototype.body = CriterionSaver.prototype.pending;

  CriterionSaver.prototype.hasChanges = function () {
    return JSON.stringify(this.values()) !== this.lastSaved;
  };

  CriterionSaver.prototype.setVersion = function (version) {
    this.version = version;
    this.tr.dataset.version = version;
  };

  CriterionSaver.prototype.setValues = function (inputs, note) {
    inputs = inputs || {};
    this.tr.querySelectorAll("[data-input]").forEach(function (input) {
      var key = input.dataset.input;
      if (input.type === "radio") {
        input.checked = key in inputs && input.value === (inputs[key] ? "1" : "0");
      } else if (input.type === "checkbox") {
        input.checked = !!inputs[key];
      } else {
        input.value = key in inputs ? displayNumber(inputs[key]) : "";
      }
    });
    var noteNode = this.tr.querySelector("[data-note]");
    if (noteNode) noteNode.value = note || "";
    this.tr.classList.toggle("is-na", !!inputs.na);
  };

  CriterionSaver.prototype.state = function (kind, text) {
    this.stateNode.className = "state" + (kind ? " " + kind : "");
    this.stateNode.textContent = text || "";
  };

  CriterionSaver.prototype.clearErrors = function () {
    this.tr.classList.remove("has-error");
    this.tr.querySelectorAll("[data-error-for]").forEach(function (node) { node.textContent = ""; });
    this.tr.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
  };

  CriterionSaver.prototype.showErrors = function (errors) {
    var tr = this.tr;
    this.clearErrors();
    tr.classList.add("has-error");
    errors.forEach(function (error) {
      var target = tr.querySelector('.field-error[data-error-for="' + error.field + '"]') ||
        tr.querySelector('.field-error[data-error-for=""]');
      target.textContent = target.textContent ? target.textContent + " " + error.message : error.message;
      var input = tr.querySelector('[data-input="' + error.field + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    });
  };

  CriterionSaver.prototype.saved = function (text) {
    savedOnce = true;
    this.lastSaved = JSON.stringify(this.values());
    this.state("saved", text || S.saved);
    var tr = this.tr;
    tr.classList.remove("saved-flash");
    void tr.offsetWidth;  // restart the animation
    tr.classList.add("saved-flash");
  };

  CriterionSaver.prototype.handle = function (result, body) {
    var data = result.data;
    if (result.kind === "ok") {
      this.setVersion(data.version);
      this.clearErrors();
      this.conflictNode.hidden = true;
      applyScores(data);
      if (JSON.stringify({ inputs: body.inputs, note: body.note }) === JSON.stringify(this.values())) {
        this.forget();
      } else {
        this.persist();  // typed on meanwhile: the next request sends it
      }
      this.saved();
      this.lastSaved = JSON.stringify({ inputs: body.inputs, note: body.note });
    } else if (result.status === 400) {
      // Not saved; kept in the browser until corrected.
      this.showErrors(data.errors || []);
      this.state("error", "");
    } else if (result.status === 409) {
      this.again = false;
      if (sameFigures(data.current, body)) {
        this.setVersion(data.current.version);
        this.forget();
        applyScores(data);
        this.saved();
      } else {
        this.showConflict(data);
      }
    } else {
      this.forget();
      this.clearErrors();
      this.showErrors([{ field: "", message: data.error || fmt(S.failed, { error: result.status }) }]);
      this.state("error", "");
    }
  };

  CriterionSaver.prototype.showConflict = function (data) {
    var self = this;
    var current = data.current;
    var box = this.conflictNode;
    box.replaceChildren();
    box.appendChild(el("p", fmt(S.conflict, { name: current.updated_by || S.someone, time: current.updated_at })));
    var theirs = el("p", current.summary, "theirs");
    theirs.appendChild(el("span", " — " + fmt(S.theirScore, { score: data.display }), "muted"));
    box.appendChild(theirs);
    var buttons = el("div", "", "conflict-actions");
    var useTheirs = el("button", S.useTheirs, "button small secondary");
    useTheirs.type = "button";
    useTheirs.dataset.action = "theirs";
    useTheirs.addEventListener("click", function () {
      self.setValues(current.inputs, current.note);
      self.setVersion(current.version);
      self.forget();
      self.clearErrors();
      box.hidden = true;
      applyScores(data);
      self.saved();
    });
    var overwrite = el("button", S.overwrite, "button small");
    overwrite.type = "button";
    overwrite.dataset.action = "mine";
    overwrite.addEventListener("click", function () {
      self.setVersion(current.version);
      box.hidden = true;
      self.persist();
      self.send(true);
    });
    buttons.appendChild(useTheirs);
    buttons.appendChild(overwrite);
    box.appendChild(buttons);
    box.hidden = false;
    this.state("error", S.waiting);
  };

  var savers = new Map();
  leafRows.forEach(function (tr) {
    var saver = new CriterionSaver(tr);
    savers.set(tr.dataset.criterion, saver);
    if (tr.dataset.editable !== "1") return;
    var onEdit = function (event) {
      var target = event.target;
      if (!target.matches("[data-input], [data-note]")) return;
      if (target.dataset.input === "na") tr.classList.toggle("is-na", target.checked);
      saver.changed();
    };
    tr.addEventListener("input", onEdit);
    tr.addEventListener("change", onEdit);
  });

  // ------------------------------------------------------------ general information

  var generalForm = document.getElementById("general-form");
  var general = null;

  function GeneralSaver(form) {
    Saver.call(this, PREFIX + "g:");
    this.form = form;
    this.version = config.generalVersion;
    this.url = config.generalUrl;
    this.dirty = new Set();
    this.refused = new Set();  // fields with an error, not sent again until edited
    this.sending = [];
    this.stateNode = document.getElementById("general-state");
    this.conflictNode = document.getElementById("general-conflict");
  }
  GeneralSaver.prototype = Object.create(Saver.prototype);

  GeneralSaver.prototype.input = function (key) {
    return this.form.querySelector('[data-general="' + key + '"]');
  };

  GeneralSaver.prototype.valuesOf = function (keys) {
    var values = {};
    var self = this;
    keys.forEach(function (key) {
      var input = self.input(key);
      if (input) values[key] = input.value.trim();
    });
    return values;
  };

  GeneralSaver.prototype.pending = function () {
    return { values: this.valuesOf(Array.from(this.dirty)), version: this.version };
  };

  GeneralSaver.prototype.hasChanges = function () {
    var refused = this.refused;
    return Array.from(this.dirty).some(function (key) { return !refused.has(key); });
  };

  GeneralSaver.prototype.body = function () {
    var refused = this.refused;
    this.sending = Array.from(this.dirty).filter(function (key) { return !refused.has(key); });
    if (!this.sending.length) return null;
    return { values: this.valuesOf(this.sending), version: this.version };
  };

  GeneralSaver.prototype.state = function (kind, text) {
    if (!this.stateNode) return;
    this.stateNode.className = "state" + (kind ? " " + kind : "");
    this.stateNode.textContent = text || "";
  };

  GeneralSaver.prototype.setError = function (key, message) {
    var input = this.input(key);
    if (!input) return;
    var label = input.closest(".gfield");
    label.classList.toggle("has-error", !!message);
    label.querySelector("[data-error-for]").textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  };

  /* Typing keeps the change in the browser; leaving the field saves it (an e-mail address or a
   * date is not checked half-typed). */
  GeneralSaver.prototype.edit = function (key, leaving) {
    this.dirty.add(key);
    this.refused.delete(key);
    this.setError(key, "");
    this.input(key).closest(".gfield").classList.add("dirty");
    if (leaving) this.changed(); else this.persist();
  };

  GeneralSaver.prototype.count = function () {
    var node = document.getElementById("general-count");
    var inputs = this.form.querySelectorAll("[data-general]");
    var filled = Array.prototype.filter.call(inputs, function (input) { return input.value.trim() !== ""; });
    if (node) node.textContent = fmt(S.generalCount, { filled: filled.length, total: inputs.length });
  };

  GeneralSaver.prototype.setVersion = function (version) {
    this.version = version;
    var hidden = this.form.querySelector("input[name=version]");
    if (hidden) hidden.value = version;
  };

  GeneralSaver.prototype.handle = function (result, body) {
    var data = result.data;
    var self = this;
    if (result.kind === "ok") {
      this.setVersion(data.version);
      Object.keys(body.values).forEach(function (key) {
        var input = self.input(key);
        if (input.value.trim() === body.values[key]) {
          self.dirty.delete(key);
          input.closest(".gfield").classList.remove("dirty");
          if (document.activeElement !== input && data.values && key in data.values) input.value = data.values[key];
        }
      });
      applyAllScores(data);
      this.count();
      if (this.dirty.size) this.persist(); else this.forget();
      savedOnce = true;
      if (this.refused.size) this.state("error", S.partlySaved); else this.state("saved", S.saved);
      if (this.hasChanges()) this.again = true;
    } else if (result.status === 400 && data.errors && !Array.isArray(data.errors)) {
      // Nothing was saved: mark the refused fields and send the others again.
      Object.keys(data.errors).forEach(function (key) {
        self.refused.add(key);
        self.setError(key, data.errors[key]);
      });
      this.persist();
      this.state("error", "");
      if (this.hasChanges()) this.again = true;
    } else if (result.status === 409) {
      this.showConflict(data);
    } else {
      this.state("error", data.error || fmt(S.failed, { error: result.status }));
    }
  };

  GeneralSaver.prototype.showConflict = function (data) {
    var self = this;
    var box = this.conflictNode;
    box.replaceChildren();
    box.appendChild(el("p", S.generalConflict));
    var list = el("ul");
    this.dirty.forEach(function (key) {
      var input = self.input(key);
      var label = input.closest(".gfield").querySelector(".glabel").textContent.trim();
      var value = data.current.values[key];
      list.appendChild(el("li", label + ": " + (value === undefined || value === null ? "—" : displayNumber(value))));
    });
    box.appendChild(list);
    var buttons = el("div", "", "conflict-actions");
    var useTheirs = el("button", S.useTheirs, "button small secondary");
    useTheirs.type = "button";
    useTheirs.addEventListener("click", function () {
      self.forget();
      window.location.reload();  // their values, and every score computed from them
    });
    var overwrite = el("button", S.overwrite, "button small");
    overwrite.type = "button";
    overwrite.addEventListener("click", function () {
      self.setVersion(data.current.version);
      box.hidden = true;
      self.persist();
      self.send(true);
    });
    buttons.appendChild(useTheirs);
    buttons.appendChild(overwrite);
    box.appendChild(buttons);
    box.hidden = false;
    this.state("error", S.waiting);
  };

  if (generalForm && config.editable) {
    general = new GeneralSaver(generalForm);
    var onGeneral = function (event) {
      var key = event.target.dataset && event.target.dataset.general;
      if (key && !event.target.disabled) general.edit(key, event.type === "change");
    };
    generalForm.addEventListener("input", onGeneral);
    generalForm.addEventListener("change", onGeneral);
    generalForm.addEventListener("submit", function (event) {
      event.preventDefault();
      generalForm.querySelectorAll("[data-general]").forEach(function (input) {
        if (!input.disabled) general.dirty.add(input.dataset.general);
      });
      general.refused.clear();
      general.persist();
      general.send(true);
    });
  }

  // ------------------------------------------------------------ unsaved changes left in this browser

  var restored = 0;
  store.keys(PREFIX).forEach(function (key) {
    var rest = key.slice(PREFIX.length);
    var value = store.get(key);
    if (!value) return;
    var criterion = /^c(\d+):v(\d+)$/.exec(rest);
    if (criterion) {
      var saver = savers.get(criterion[1]);
      if (!saver || saver.tr.dataset.editable !== "1") return;
      saver.setValues(value.inputs, value.note);
      saver.setVersion(parseInt(criterion[2], 10));
      saver.send(true);
      restored++;
      return;
    }
    var generalKey = /^g:v(\d+)$/.exec(rest);
    if (generalKey && general) {
      general.setVersion(parseInt(generalKey[1], 10));
      Object.keys(value.values || {}).forEach(function (field) {
        var input = general.input(field);
        if (!input || input.disabled) return;
        input.value = value.values[field];
        general.dirty.add(field);
        input.closest(".gfield").classList.add("dirty");
      });
      if (general.dirty.size) {
        general.send(true);
        restored++;
      }
    }
  });
  if (restored) showNotice(fmt(S.restored, { n: restored }));

  // ------------------------------------------------------------ filters and search

  var filter = "all";
  var query = "";
  var noMatch = document.getElementById("no-match");
  var searchInput = document.getElementById("criteria-search");

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d");
  }

  leafRows.forEach(function (tr) {
    var title = tr.querySelector(".title");
    tr.dataset.search = fold(tr.querySelector(".stt").textContent + " " + tr.dataset.code + " " + (title ? title.textContent : ""));
  });

  function matches(tr) {
    var status = tr.dataset.status;
    if (filter === "unanswered" && !(tr.dataset.counts === "1" && !isAnswered(status))) return false;
    if (filter === "noevidence" && !(tr.dataset.counts === "1" && tr.dataset.evidence === "0" && status !== "na")) return false;
    if (filter === "mine" && tr.dataset.mine !== "1") return false;
    return !query || tr.dataset.search.indexOf(query) !== -1;
  }

  function applyFilter() {
    var filtering = filter !== "all" || query !== "";
    var shown = new Set();
    var any = false;
    leafRows.forEach(function (tr) {
      var show = matches(tr);
      tr.hidden = !show;
      if (!show) return;
      any = true;
      tr.dataset.parents.split(" ").forEach(function (code) { if (code) shown.add(code); });
    });
    nodeRows.forEach(function (tr) { tr.hidden = filtering && !shown.has(tr.dataset.code); });
    noMatch.hidden = any;
  }

  document.querySelectorAll(".filters [data-filter]").forEach(function (button) {
    button.addEventListener("click", function () {
      filter = button.dataset.filter;
      document.querySelectorAll(".filters [data-filter]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      applyFilter();
    });
  });
  if (searchInput) {
    searchInput.addEventListener("input", function () {
      query = fold(searchInput.value.trim());
      applyFilter();
    });
  }

  // ------------------------------------------------------------ the table's header stays under the sticky bar

  var bar = document.getElementById("sheetbar");
  function placeHeader() {
    document.documentElement.style.setProperty("--sheetbar-height", Math.max(bar.offsetHeight - 1, 0) + "px");
  }
  placeHeader();
  if (window.ResizeObserver) new ResizeObserver(placeHeader).observe(bar);
  else window.addEventListener("resize", placeHeader);
})();
