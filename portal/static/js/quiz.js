// Quiz attempt page: autosave with a sequence number, answers kept on the device while the
// connection is down and sent when it returns, and a courtesy timer. The server decides
// everything (deadline, grading); without this script the page still works page by page.
(function () {
  "use strict";

  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var status = document.getElementById("quiz-status");
  var seqInput = document.getElementById("quiz-seq");
  var storageKey = "huquq-quiz-attempt-" + form.getAttribute("data-attempt");
  var timer = null;
  var sending = false;
  var dirty = false;
  // Set when the page's own form is sent (a page button or Finish): from then on that
  // request carries the answers, and a background save must not race it with the same seq.
  var leaving = false;

  function say(key) {
    status.textContent = status.getAttribute("data-" + key) || "";
  }

  function fields() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "go") { pairs.push([name, value]); }
    });
    return pairs;
  }

  function remember(pairs) {
    try { window.localStorage.setItem(storageKey, JSON.stringify(pairs)); } catch (e) { /* full or off */ }
  }

  function pending() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }

  function forget() {
    try { window.localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  // Put answers kept on the device back into this page's fields (same questions only).
  function restore(pairs) {
    var onPage = {};
    form.querySelectorAll("input[name=q]").forEach(function (el) { onPage[el.value] = true; });
    var names = {};
    pairs.forEach(function (pair) { names[pair[0]] = (names[pair[0]] || []).concat([pair[1]]); });
    form.querySelectorAll("[name^='a-']").forEach(function (el) {
      var qid = el.name.split("-")[1];
      if (!onPage[qid]) { return; }
      var given = names[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = given.indexOf(el.value) !== -1;
      } else {
        el.value = given.length ? given[0] : "";
      }
    });
  }

  function send(pairs) {
    if (leaving) { return; }
    if (sending) { dirty = true; return; }
    if (!navigator.onLine) { say("offline"); return; }
    sending = true;
    dirty = false;
    var seq = parseInt(seqInput.value, 10);
    // Any later save (or the page's own buttons) must carry a larger number than this one.
    seqInput.value = String(seq + 1);
    var body = new URLSearchParams();
    pairs.forEach(function (pair) { if (pair[0] !== "seq") { body.append(pair[0], pair[1]); } });
    body.append("seq", String(seq));
    say("saving");
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (result) {
      sending = false;
      if (result.code === 200) {
        if (!dirty) { forget(); }
        say("saved");
      } else if (result.code === 409 && result.data.error === "stale") {
        // Another window saved later: this window's answers are what the learner sees now.
        seqInput.value = String(Math.max(parseInt(seqInput.value, 10), result.data.seq + 1));
        dirty = true;
      } else if (result.code === 409) {
        forget();
        say("late");
        if (result.data.review) { window.location.assign(result.data.review); }
        return;
      } else {
        say("failed");
        dirty = true;
      }
      if (dirty) { schedule(fields()); }
    }).catch(function () {
      sending = false;
      say(navigator.onLine ? "failed" : "offline");
      window.setTimeout(function () { if (navigator.onLine) { send(pending() || fields()); } }, 5000);
    });
  }

  function schedule(pairs) {
    if (leaving) { return; }
    remember(pairs);
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { send(pairs); }, 800);
  }

  form.addEventListener("change", function () { schedule(fields()); });
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") { schedule(fields()); }
  });
  window.addEventListener("online", function () {
    var kept = pending();
    if (kept) { send(kept); } else { say("saved"); }
  });
  window.addEventListener("offline", function () { say("offline"); });
  // Back to this page from the browser's history cache: it saves again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { leaving = false; } });
  form.addEventListener("submit", function (event) {
    if (!navigator.onLine) {
      event.preventDefault();
      remember(fields());
      say("offline");
      return;
    }
    leaving = true;
    window.clearTimeout(timer);
    forget();
  });

  var kept = pending();
  if (kept) {
    restore(kept);
    send(kept);
  }

  // The courtesy timer: the server's deadline decides.
  var clock = document.getElementById("quiz-timer");
  if (clock) {
    var deadline = Date.parse(clock.getAttribute("data-deadline"));
    var announce = document.getElementById("quiz-timer-announce");
    var told = {};
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !told[mark]) {
          told[mark] = true;
          announce.textContent = clock.textContent;
        }
      });
      if (left === 0) {
        window.clearInterval(interval);
        say("late");
        var finish = form.querySelector("button[value=finish]");
        if (finish && navigator.onLine) { finish.click(); }
      }
    };
    var interval = window.setInterval(tick, 1000);
    tick();
  }
}());
