/* Bangban /m/ offline-first layer (issue 14). No framework, no CDN.
   Every /m/ page: registers the service worker, shows "待同步 N 条", syncs the queue when the network returns,
   and tells plainly that case steps need the network. The 离线登记 page (/m/offline/) is the app shell:
   new requests (with material photos) are saved in IndexedDB with a client-generated id and sent in order,
   each with that id as its Idempotency-Key, so a resend never logs a second case. */
(function () {
  "use strict";
  if (!window.indexedDB || !window.fetch || !window.Promise) { return; }

  var DB_NAME = "bangban-offline";
  var STORE = "queue";
  var badge = document.getElementById("queue-badge");
  var app = document.getElementById("offline-app");
  var USER = (app || badge) ? (app || badge).getAttribute("data-user") : "";
  var STATE_LABELS = { pending: "待同步", sending: "正在提交", error: "被退回，需修改", done: "已同步" };
  var syncing = false;
  var cache = null; // the offline data (matters, sites, cases, history)

  // --- IndexedDB ------------------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function allItems() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
    });
  }
  function putItem(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "id-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- "待同步 N 条" everywhere ---------------------------------------------------------------------------
  function mine(items) { return items.filter(function (i) { return !USER || !i.user || i.user === USER; }); }
  function refreshCount() {
    return allItems().then(function (items) {
      var waiting = mine(items).filter(function (i) { return i.state !== "done"; }).length;
      var badgeCount = badge && badge.querySelector("[data-queue-count]");
      if (badgeCount) { badgeCount.textContent = String(waiting); badgeCount.hidden = waiting === 0; }
      var status = document.getElementById("queue-status");
      if (status) { status.textContent = "待同步 " + waiting + " 条"; }
      if (app) { renderQueue(mine(items)); }
      return items;
    });
  }

  // --- service worker ---------------------------------------------------------------------------------------
  if (badge && navigator.serviceWorker) {
    navigator.serviceWorker.register(badge.getAttribute("data-sw-url"), { scope: badge.getAttribute("data-scope") })
      .catch(function () { /* pages still work online */ });
  }

  var OFFLINE_PAGE = badge ? badge.getAttribute("href") : "/m/offline/";

  function offlineNote(form, text, linkText) {
    var note = form.querySelector(".offline-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "form-error offline-note";
      note.setAttribute("role", "alert");
      form.insertBefore(note, form.firstChild);
    }
    note.textContent = text;
    if (linkText) {
      note.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = OFFLINE_PAGE;
      a.textContent = linkText;
      note.appendChild(a);
    }
    note.scrollIntoView({ block: "center" });
  }

  // The server-rendered 新建 form or 一件事 form (``bundle``: its code and name; a cached copy when offline):
  // what was typed goes into the same queue as 离线登记 (the body its API takes, the same Idempotency-Key
  // rule: the bundle intake API honours it too), then the queue is shown.
  function queueCreateForm(form, bundle) {
    var codes = {};
    var codesNode = document.getElementById("site-codes");
    try { codes = JSON.parse(codesNode ? codesNode.textContent : "{}"); } catch (e) { codes = {}; }
    var groups = [];
    form.querySelectorAll("[name=special_groups]:checked").forEach(function (b) { groups.push(b.value); });
    var value = function (name) { var f = form.querySelector("[name=" + name + "]"); return f ? f.value : ""; };
    var body = {
      site: codes[value("site")] || "",
      resident_name: value("resident_name").trim(),
      resident_phone: value("resident_phone").trim(),
      address: value("address").trim(),
      description: value("description"),
      channel: "doorstep",
      special_groups: groups
    };
    if (bundle) { body.bundle = bundle.code; } else { body.matter = form.getAttribute("data-matter") || ""; }
    var missing = [];
    if (!body.resident_phone) { missing.push("居民手机号"); }
    if (!body.resident_name) { missing.push("居民姓名"); }
    if (!body.address) { missing.push("住址"); }
    if (missing.length) { offlineNote(form, "当前无网络。请填写：" + missing.join("、") + "，再保存到手机。"); return; }
    var item = { id: newId(), user: USER, created_at: new Date().toISOString(), body: body, photos: [], state: "pending", message: "" };
    if (bundle) { item.kind = "bundle"; item.label = bundle.name; }
    putItem(item).then(function () {
      window.location.href = OFFLINE_PAGE + "?saved=" + encodeURIComponent(item.id);
    }, function () {
      offlineNote(form, "当前无网络，且无法保存到手机。请打开", "离线登记");
    });
  }

  // Offline, a POST cannot reach the server: a new request is kept on the phone; a case step says so and
  // points to 离线登记 (instead of the browser's own offline error, which would lose what was typed).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || !form || form.id === "offline-form") { return; }
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.id === "case-create-form") {
      var step = event.submitter ? event.submitter.value : "create";
      if (step === "lookup") { lookupOffline(form, true); return; }
      queueCreateForm(form);
      return;
    }
    if (form.id === "bundle-intake-form") {
      queueCreateForm(form, { code: form.getAttribute("data-bundle") || "", name: form.getAttribute("data-bundle-name") || "" });
      return;
    }
    offlineNote(form, "此操作需要联网：分派、上门、报送、办结等案件操作须连接服务器，请恢复网络后再试。新的登记可先保存到手机：", "离线登记");
  }, true);

  // Logging out: forget the cached pages and data of this account (the unsent queue stays, marked with its user).
  document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (window.caches) { caches.delete("bangban-pages"); }
    });
  });

  // --- sync -------------------------------------------------------------------------------------------------
  // A 400's field errors read with the form's Chinese labels ("居民手机号：…"), never the API's keys; the labels
  // come with the offline data (workflows.offline.field_labels). Without them, the messages alone.
  function errorsText(errors) {
    var labels = (cache && cache.field_labels) || {};
    var parts = [];
    Object.keys(errors || {}).forEach(function (k) {
      var v = errors[k];
      var text = Array.isArray(v) ? v.join("；") : String(v);
      var label = k === "non_field_errors" || k === "__all__" ? "" : labels[k];
      parts.push(label ? label + "：" + text : text);
    });
    return parts.join("；");
  }
  function serverMessage(response) {
    return response.json().then(function (body) {
      if (body && body.message) { return { text: body.message }; }
      return { text: errorsText(body) || ("服务器拒绝（" + response.status + "）"), errors: body };
    }).catch(function () { return { text: "服务器拒绝（" + response.status + "）" }; });
  }

  var RETRY_LATER = "retry";
  // A queued 一件事 goes to the bundle intake (one parent and its members), a single request to the case intake.
  function intakeUrl(item) { return item.kind === "bundle" ? "/api/v1/bundles/intake/" : "/api/v1/cases/"; }
  function sendCase(item) {
    if (item.case_no) { return Promise.resolve(item.case_no); }
    return fetch(intakeUrl(item), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Idempotency-Key": item.id, "X-CSRFToken": csrfToken() },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      if (r.status === 201 || r.status === 200) { return r.json().then(function (b) { return b.case_no; }); }
      // 409 with Retry-After: "正在处理" (an earlier send of this key is still running): not a refusal
      if (r.status >= 500 || r.status === 429 || (r.status === 409 && r.headers.get("Retry-After"))) { throw RETRY_LATER; }
      return serverMessage(r).then(function (msg) {
        if (r.status === 401 || r.status === 403) { msg.text = msg.text + "（请确认已登录且有登记权限）"; }
        throw { refused: msg.text, errors: msg.errors };
      });
    }, function () { throw RETRY_LATER; });
  }
  function sendPhoto(caseNo, photo) {
    var form = new FormData();
    form.append("photo", photo.blob, photo.name || "photo.jpg");
    form.append("material", photo.material || "");
    form.append("client_id", photo.id);
    return fetch("/api/v1/cases/" + encodeURIComponent(caseNo) + "/photos/", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }, body: form
    }).then(function (r) {
      if (r.status === 201 || r.status === 200) { return true; }
      if (r.status >= 500 || r.status === 429) { throw RETRY_LATER; }
      return serverMessage(r).then(function (msg) { throw { refused: "照片“" + (photo.material || "其他材料") + "”未上传：" + msg.text }; });
    }, function () { throw RETRY_LATER; });
  }
  function syncItem(item) {
    item.state = "sending";
    return putItem(item).then(function () { return sendCase(item); }).then(function (caseNo) {
      item.case_no = caseNo;
      var chain = Promise.resolve();
      (item.photos || []).forEach(function (p) {
        chain = chain.then(function () {
          if (p.done) { return; }
          return sendPhoto(caseNo, p).then(function () { p.done = true; return putItem(item); });
        });
      });
      return chain;
    }).then(function () {
      item.state = "done";
      item.message = "";
      item.errors = null;
      item.synced_at = new Date().toISOString();
      return putItem(item).then(function () { return true; });
    }, function (err) {
      if (err && err.refused) {
        item.state = "error";
        item.message = err.refused;
        item.errors = err.errors || null; // shown with the labels on the 离线登记 page
        return putItem(item).then(function () { return true; }); // refused: keep going with the next one
      }
      item.state = "pending";
      item.message = "网络不可用或服务器繁忙，恢复后自动重试。";
      return putItem(item).then(function () { return false; }); // stop: keep the order
    });
  }
  function syncAll() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    return allItems().then(function (items) {
      var todo = mine(items).filter(function (i) { return i.state === "pending" || i.state === "sending"; });
      var chain = Promise.resolve(true);
      todo.forEach(function (item) {
        chain = chain.then(function (goOn) { return goOn ? syncItem(item) : false; });
      });
      return chain;
    }).catch(function () { /* next time */ }).then(function () {
      syncing = false;
      document.documentElement.setAttribute("data-sync-done", String(Date.now()));
      return refreshCount();
    }).then(function () { if (navigator.onLine) { loadData(true); } });
  }
  window.addEventListener("online", function () { syncAll(); });

  // --- the 离线登记 page ---------------------------------------------------------------------------------------
  var pendingPhotos = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function matterByCode(code) {
    return ((cache && cache.matters) || []).filter(function (m) { return m.code === code; })[0];
  }

  function renderQueue(items) {
    var list = document.getElementById("queue-list");
    if (!list) { return; }
    list.textContent = "";
    items.forEach(function (item) {
      var li = el("li", { "class": "queue-item", "data-id": item.id, "data-state": item.state });
      var m = matterByCode(item.body.matter);
      var what = item.kind === "bundle" ? (item.label || item.body.bundle) + "（一件事）" : (m ? m.name : item.body.matter);
      li.appendChild(el("strong", {}, item.body.resident_name + " · " + what));
      li.appendChild(el("div", { "class": "state" }, STATE_LABELS[item.state] || item.state));
      var photos = item.photos || [];
      if (photos.length) {
        var done = photos.filter(function (p) { return p.done; }).length;
        li.appendChild(el("div", { "class": "muted" }, "材料照片 " + done + "/" + photos.length + " 已上传"));
      }
      if (item.case_no) {
        var link = el("a", { href: "/m/cases/" + item.case_no + "/", "class": "case-link" }, item.case_no);
        li.appendChild(link);
      }
      var message = item.state === "error" && item.errors ? errorsText(item.errors) || item.message : item.message;
      if (message) { li.appendChild(el("p", { "class": item.state === "error" ? "form-error" : "muted", role: "status" }, message)); }
      if (item.state === "error") {
        var actions = el("div", { "class": "actions" });
        if (!item.case_no) { // a refused 一件事 is edited here too: its resident fields, the bundle kept
          var edit = el("button", { type: "button", "class": "btn btn-secondary", "data-edit": item.id }, "修改");
          actions.appendChild(edit);
        }
        actions.appendChild(el("button", { type: "button", "class": "btn btn-primary", "data-resend": item.id }, "重新发送"));
        li.appendChild(actions);
      }
      list.appendChild(li);
    });
  }

  function fillSelects() {
    var matterSelect = document.getElementById("off-matter");
    var siteSelect = document.getElementById("off-site");
    var chosen = matterSelect.value;
    matterSelect.textContent = "";
    var groups = {};
    (cache.matters || []).forEach(function (m) {
      if (!groups[m.category]) {
        groups[m.category] = el("optgroup", { label: m.category_label });
        matterSelect.appendChild(groups[m.category]);
      }
      groups[m.category].appendChild(el("option", { value: m.code }, m.name));
    });
    if (chosen) { matterSelect.value = chosen; }
    var site = siteSelect.value;
    siteSelect.textContent = "";
    (cache.sites || []).forEach(function (s) { siteSelect.appendChild(el("option", { value: s.code }, s.name)); });
    if (site) { siteSelect.value = site; }
    showMaterials();
  }
  function showMaterials() {
    var m = matterByCode(document.getElementById("off-matter").value);
    var list = document.getElementById("off-materials");
    var photoMaterial = document.getElementById("off-photo-material");
    list.textContent = "";
    photoMaterial.textContent = "";
    ((m && m.materials) || []).forEach(function (name) {
      list.appendChild(el("li", {}, name));
      photoMaterial.appendChild(el("option", { value: name }, name));
    });
    if (m && !m.materials.length) { list.appendChild(el("li", {}, "无需材料。")); }
    photoMaterial.appendChild(el("option", { value: "" }, "其他材料"));
  }
  function renderCases() {
    var list = document.getElementById("my-cases");
    list.textContent = "";
    (cache.cases || []).forEach(function (c) {
      var li = el("li");
      var a = el("a", { href: c.url, "class": "case-item" });
      a.appendChild(el("span", { "class": "matter" }, c.matter));
      a.appendChild(el("span", { "class": "meta" }, c.status_label + " · " + c.resident_name + " " + c.resident_phone + " · " + c.address));
      a.appendChild(el("span", { "class": "case-no" }, " " + c.case_no));
      li.appendChild(a);
      list.appendChild(li);
    });
    if (!(cache.cases || []).length) { list.appendChild(el("li", { "class": "muted" }, "暂无在办案件。")); }
    document.getElementById("cases-updated").textContent = "数据更新于 " + new Date(cache.generated_at).toLocaleString("zh-CN");
  }
  function loadData(quiet) {
    if (!app) { return Promise.resolve(); }
    return fetch(app.getAttribute("data-data-url"), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok || r.redirected) { throw new Error("no data"); }
      return r.json();
    }).then(function (data) {
      cache = data;
      fillSelects();
      renderCases();
      app.hidden = false;
      document.documentElement.setAttribute("data-offline-ready", "1");
      return refreshCount();
    }).catch(function () {
      if (!quiet && !cache) {
        var banner = document.getElementById("net-status");
        banner.hidden = false;
        banner.textContent = "尚未缓存离线数据：请在有网络时打开本页一次。";
      }
    });
  }

  function e164(raw) {
    var d = (raw || "").replace(/\D/g, "");
    if (d.length === 13 && d.indexOf("86") === 0) { d = d.slice(2); }
    return d.length === 11 && d.charAt(0) === "1" ? "+86" + d : "";
  }
  function sha256(text) {
    if (!window.crypto || !crypto.subtle) { return Promise.resolve(""); }
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buf) {
      return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }
  // The history entry of a typed number in the offline data (keyed by a salted hash, never the number).
  function historyFor(raw, data) {
    var phone = e164(raw);
    if (!phone || !data) { return Promise.resolve(null); }
    return sha256(data.user + ":" + phone).then(function (key) { return (key && data.history && data.history[key]) || null; });
  }
  // Fill what is still empty (name, address, special groups) from a history entry.
  function fillFrom(form, found) {
    var name = form.querySelector("[name=resident_name]");
    var address = form.querySelector("[name=address]");
    if (name && !name.value) { name.value = found.resident_name || ""; }
    if (address && !address.value) { address.value = found.address || ""; }
    (found.special_groups || []).forEach(function (g) {
      var box = form.querySelector("[name=special_groups][value='" + g + "']");
      if (box) { box.checked = true; }
    });
  }
  function prefill() {
    historyFor(document.getElementById("off-phone").value, cache).then(function (found) {
      if (!found) { return; }
      fillFrom(document.getElementById("offline-form"), found);
      document.getElementById("off-prefilled").hidden = false;
    });
  }
  // The cached 新建 form offline: the lookup reads the offline data (data.json, the worker's cached copy)
  // instead of the server. ``tell``: say what happened (the button); the typed number alone stays quiet.
  var offlineData = null;
  function loadOfflineData() {
    if (cache) { return Promise.resolve(cache); }
    if (offlineData) { return Promise.resolve(offlineData); }
    var url = badge && badge.getAttribute("data-data-url");
    if (!url) { return Promise.resolve(null); }
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok || r.redirected) { return null; }
      return r.json().then(function (data) { offlineData = data; return data; });
    }).catch(function () { return null; });
  }
  function lookupOffline(form, tell) {
    var phone = form.querySelector("[name=resident_phone]");
    return loadOfflineData().then(function (data) {
      return historyFor(phone ? phone.value : "", data).then(function (found) {
        if (found) {
          fillFrom(form, found);
          offlineNote(form, "当前无网络：已按手机上保存的历史记录填入，请核对。点“提交登记”会先保存到手机。");
        } else if (tell) {
          offlineNote(form, data
            ? "当前无网络：手机上的历史记录中没有这个号码，无法查找历史信息：请直接填写，点“提交登记”会先保存到手机。"
            : "当前无网络，无法查找历史信息（手机上尚无离线数据）：请直接填写，点“提交登记”会先保存到手机。");
        }
      });
    });
  }
  var createFormOffline = document.getElementById("case-create-form");
  if (createFormOffline) {
    var createPhone = createFormOffline.querySelector("[name=resident_phone]");
    if (createPhone) {
      createPhone.addEventListener("change", function () { if (!navigator.onLine) { lookupOffline(createFormOffline, false); } });
    }
  }

  function renderPhotos() {
    var list = document.getElementById("off-photos");
    list.textContent = "";
    pendingPhotos.forEach(function (p, index) {
      var li = el("li", { "class": "photo-pending" });
      var img = el("img", { alt: (p.material || "其他材料") + " 照片", "class": "photo-thumb" });
      var reader = new FileReader(); // a data: URL (the pages' CSP allows data: images, not blob:)
      reader.onload = function () { img.src = reader.result; };
      reader.readAsDataURL(p.blob);
      li.appendChild(img);
      li.appendChild(el("span", {}, p.material || "其他材料"));
      var rm = el("button", { type: "button", "class": "btn btn-secondary", "data-remove-photo": String(index), "aria-label": "删除 " + (p.material || "其他材料") + " 照片" }, "删除");
      li.appendChild(rm);
      list.appendChild(li);
    });
  }

  function formBody(form) {
    var groups = [];
    form.querySelectorAll("[name=special_groups]:checked").forEach(function (b) { groups.push(b.value); });
    return {
      site: form.site.value,
      matter: form.matter.value,
      resident_name: form.resident_name.value,
      resident_phone: form.resident_phone.value,
      address: form.address.value,
      description: form.description.value,
      channel: "doorstep",
      special_groups: groups
    };
  }
  // Editing a refused 一件事 in this form: the bundle stays what it was (its members come from the catalogue),
  // so the matter choice and the photos (the bundle intake takes none) give way to the bundle's name.
  function showBundleEditing(item) {
    var bundle = item && item.kind === "bundle";
    var matter = document.getElementById("off-matter");
    matter.closest(".field").hidden = bundle;
    matter.required = !bundle;
    document.getElementById("off-photo").closest("fieldset").hidden = bundle;
    var note = document.getElementById("off-bundle");
    note.hidden = !bundle;
    note.textContent = bundle ? "一件事：" + (item.label || item.body.bundle) + "（所需材料见一件事登记页）" : "";
    if (bundle) {
      var list = document.getElementById("off-materials");
      list.textContent = "";
      list.appendChild(el("li", {}, "按一件事的合并材料清单收取。"));
    }
  }
  function resetForm(form) {
    showBundleEditing(null);
    ["resident_phone", "resident_name", "address", "description"].forEach(function (n) { form[n].value = ""; });
    form.querySelectorAll("[name=special_groups]").forEach(function (b) { b.checked = false; });
    document.getElementById("off-editing").value = "";
    document.getElementById("form-title").textContent = "上门代办登记";
    document.getElementById("off-prefilled").hidden = true;
    pendingPhotos = [];
    renderPhotos();
  }

  if (app) {
    var form = document.getElementById("offline-form");
    var formError = document.getElementById("offline-form-error");
    document.getElementById("off-matter").addEventListener("change", showMaterials);
    var phoneInput = document.getElementById("off-phone");
    phoneInput.addEventListener("change", prefill);
    phoneInput.addEventListener("keyup", prefill);
    phoneInput.addEventListener("input", prefill);
    document.getElementById("off-photo").addEventListener("change", function (event) {
      var files = event.target.files || [];
      var material = document.getElementById("off-photo-material").value;
      Array.prototype.forEach.call(files, function (file) {
        pendingPhotos.push({ id: newId(), material: material, blob: file, name: file.name, done: false });
      });
      event.target.value = "";
      renderPhotos();
    });
    document.getElementById("off-photos").addEventListener("click", function (event) {
      var index = event.target.getAttribute("data-remove-photo");
      if (index !== null) { pendingPhotos.splice(Number(index), 1); renderPhotos(); }
    });
    // mobile.js disables a form's buttons on submit (no double posts); this form never leaves the page.
    var enableButtons = function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      }, 0);
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      enableButtons();
      var body = formBody(form);
      var missing = [];
      var editingBundle = !document.getElementById("off-bundle").hidden;
      if (!body.matter && !editingBundle) { missing.push("事项"); }
      if (!e164(body.resident_phone) && !body.resident_phone.trim()) { missing.push("手机号"); }
      if (!body.resident_name.trim()) { missing.push("姓名"); }
      if (!body.address.trim()) { missing.push("地址"); }
      if (missing.length) {
        formError.hidden = false;
        formError.textContent = "请填写：" + missing.join("、");
        return;
      }
      formError.hidden = true;
      var editing = document.getElementById("off-editing").value;
      var save = editing
        ? tx("readonly", function (s) { return s.get(editing); }).then(function (item) {
          if (item.kind === "bundle") { // the same 一件事, with the resident fields as corrected
            body.bundle = item.body.bundle;
            delete body.matter;
            pendingPhotos = [];
          }
          item.body = body;
          item.photos = pendingPhotos;
          item.state = "pending";
          item.message = "";
          item.errors = null;
          return item;
        })
        : Promise.resolve({ id: newId(), user: USER, created_at: new Date().toISOString(), body: body, photos: pendingPhotos, state: "pending", message: "" });
      save.then(function (item) { return putItem(item); }).then(function () {
        resetForm(form);
        enableButtons();
        return refreshCount();
      }).then(function () { if (navigator.onLine) { syncAll(); } });
    });
    document.getElementById("sync-btn").addEventListener("click", function () { syncAll(); });
    document.getElementById("queue-list").addEventListener("click", function (event) {
      var editId = event.target.getAttribute("data-edit");
      var resendId = event.target.getAttribute("data-resend");
      var id = editId || resendId;
      if (!id) { return; }
      tx("readonly", function (s) { return s.get(id); }).then(function (item) {
        if (resendId) {
          item.state = "pending";
          item.message = "";
          return putItem(item).then(syncAll);
        }
        ["site", "matter", "resident_name", "resident_phone", "address", "description"].forEach(function (n) {
          form[n].value = item.body[n] || "";
        });
        showMaterials();
        showBundleEditing(item);
        form.querySelectorAll("[name=special_groups]").forEach(function (b) {
          b.checked = (item.body.special_groups || []).indexOf(b.value) !== -1;
        });
        pendingPhotos = item.photos || [];
        renderPhotos();
        document.getElementById("off-editing").value = item.id;
        document.getElementById("form-title").textContent = "修改后重新发送";
        form.scrollIntoView();
      });
    });
    var setNet = function () {
      var banner = document.getElementById("net-status");
      banner.hidden = navigator.onLine;
      banner.textContent = "当前无网络：登记会先保存在手机上，恢复网络后自动提交。";
    };
    window.addEventListener("online", setNet);
    window.addEventListener("offline", setNet);
    setNet();
    if (/[?&]saved=/.test(window.location.search)) { document.getElementById("off-saved").hidden = false; }
    loadData(false).then(function () {
      // Opened (offline) in place of a 新建 page never cached: start from the matter that was tapped.
      var m = window.location.pathname.match(/\/m\/new\/matter\/([^/]+)\//);
      if (m && matterByCode(decodeURIComponent(m[1]))) {
        document.getElementById("off-matter").value = decodeURIComponent(m[1]);
        showMaterials();
      }
      if (navigator.onLine) { syncAll(); }
    });
  } else {
    refreshCount().then(function () { if (navigator.onLine) { syncAll(); } });
  }
})();
