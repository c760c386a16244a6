// lytsite-desktop web gallery: the lightbox (PhotoSwipe), the client's selection,
// "Download all" and the expiry date. Names reach the page only through
// textContent and attributes, never as HTML.
/* global PhotoSwipeLightbox */
(function () {
  "use strict";
  var data = {};
  try { data = JSON.parse(document.getElementById("gallery-data").textContent); } catch (e) { /* an old page */ }
  var files = data.files || [];
  var byId = {};
  files.forEach(function (f) { byId[f.id] = f; });
  var main = document.querySelector("main");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  // -- expiry: after the last day, the page says so and offers nothing ---------------
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
  }
  if (data.expires && today() > data.expires && !document.querySelector(".ended")) {
    var words = "This gallery was open until " + new Date(data.expires + "T12:00:00")
      .toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" }) + ".";
    main.replaceChildren(el("p", { "class": "ended" }, words));
    var gone = document.querySelectorAll("nav.bar, header .cover, header .meta");
    Array.prototype.forEach.call(gone, function (n) { n.remove(); });
    document.body.classList.add("expired");
    return;
  }

  // -- the client's selection, kept in this browser ----------------------------------
  var KEY = "lytsite:selection:" + location.pathname.replace(/index\.html$/, "");
  var chosen = {};
  try { (JSON.parse(localStorage.getItem(KEY)) || []).forEach(function (id) { if (byId[id]) chosen[id] = true; }); } catch (e) { /* private mode */ }
  var bar = document.querySelector("nav.bar");
  var toggle = bar && bar.querySelector(".selection");
  var send = bar && bar.querySelector(".send");
  var figures = Array.prototype.slice.call(document.querySelectorAll("figure.item[data-id]"));

  function chosenIds() { return Object.keys(chosen).filter(function (id) { return chosen[id]; }); }
  function chosenNames() { return chosenIds().map(function (id) { return byId[id].n; }); }
  function nameOf(figure) { var f = byId[figure.dataset.id]; return f ? f.n : ""; }

  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(chosenIds())); } catch (e) { /* full or private */ }
  }

  function label(name, on) { return (on ? "Remove from my selection: " : "Add to my selection: ") + name; }

  function refresh() {
    var n = chosenIds().length;
    figures.forEach(function (f) {
      var on = !!chosen[f.dataset.id];
      f.classList.toggle("chosen", on);
      var heart = f.querySelector("button.heart");
      if (heart) { heart.setAttribute("aria-pressed", String(on)); heart.setAttribute("aria-label", label(nameOf(f), on)); }
    });
    if (!toggle) return;
    toggle.querySelector(".n").textContent = "My selection (" + n + ")";
    toggle.hidden = false;
    var only = toggle.getAttribute("aria-pressed") === "true";
    if (only && !n) { only = false; toggle.setAttribute("aria-pressed", "false"); }
    document.body.classList.toggle("only-chosen", only);
    send.hidden = !only;
    Array.prototype.forEach.call(document.querySelectorAll("main section.section"), function (s) {
      s.hidden = only && !s.querySelector("figure.chosen");
    });
    var mail = send.querySelector(".mail");
    if (mail && data.contact) {
      var subject = "My selection: " + document.title;
      var body = "My selection (" + n + "):\n\n" + chosenNames().join("\n") + "\n\n" + location.href;
      mail.href = "mailto:" + data.contact + "?subject=" + encodeURIComponent(subject) + "&body=" + encodeURIComponent(body);
    }
    var all = bar.querySelector("details.all summary");
    if (all) all.textContent = only ? "Download " + n + " selected" : "Download all";
  }

  function choose(id, on) { chosen[id] = on; if (!on) delete chosen[id]; save(); refresh(); }

  figures.forEach(function (f) {
    var heart = el("button", { type: "button", "class": "heart", "aria-pressed": "false" });
    heart.addEventListener("click", function () { choose(f.dataset.id, !chosen[f.dataset.id]); });
    f.appendChild(heart);
  });
  if (toggle) {
    toggle.addEventListener("click", function () {
      var on = toggle.getAttribute("aria-pressed") !== "true" && chosenIds().length > 0;
      toggle.setAttribute("aria-pressed", String(on));
      refresh();
    });
    send.querySelector(".copy").addEventListener("click", function (e) {
      var text = chosenNames().join("\n");
      var button = e.currentTarget;
      var done = function () { button.textContent = "Copied " + chosenIds().length + " names"; };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
      function fallback() {
        var area = el("textarea", { readonly: "", "class": "offscreen" });
        area.value = text;
        document.body.appendChild(area);
        area.select();
        try { document.execCommand("copy"); done(); } catch (err) { /* the list stays selectable */ }
        area.remove();
      }
    });
  }
  window.addEventListener("storage", function (e) {
    if (e.key !== KEY) return;
    chosen = {};
    try { (JSON.parse(e.newValue) || []).forEach(function (id) { chosen[id] = true; }); } catch (err) { /* ignore */ }
    refresh();
  });
  refresh();

  // -- the lightbox ------------------------------------------------------------------
  var core = null;
  function loadCore() {
    if (!core) {
      core = new Promise(function (resolve, reject) {
        var css = el("link", { rel: "stylesheet", href: "photoswipe.css" });
        document.head.appendChild(css);
        var script = el("script", { src: "photoswipe.js" });
        script.onload = function () { resolve(window.PhotoSwipe); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return core;
  }

  var lightbox = null;
  if (window.PhotoSwipeLightbox && document.querySelector("a.photo")) {
    // The viewer goes in the gallery's order (the page's data), not the page's: a
    // masonry holds its photos column by column.
    var rank = {};
    files.forEach(function (f, i) { rank[f.id] = i; });
    var photos = Array.prototype.slice.call(document.querySelectorAll("main a.photo"));
    var place = function (a) { return rank[a.closest("figure.item").dataset.id]; };
    photos.sort(function (a, b) { return place(a) - place(b); });
    lightbox = new PhotoSwipeLightbox({
      gallery: "main",
      children: photos,
      pswpModule: loadCore,
      bgOpacity: 1,
      closeTitle: "Close (Esc)",
      zoomTitle: "Zoom (Z)",
      arrowPrevTitle: "Previous (left arrow)",
      arrowNextTitle: "Next (right arrow)",
      errorMsg: "This photo could not be loaded.",
      returnFocus: false, // focus goes to the photo last shown instead (below)
      paddingFn: function (viewport) {
        return viewport.x < 700 ? { top: 44, bottom: 64, left: 0, right: 0 } : { top: 56, bottom: 72, left: 64, right: 64 };
      }
    });
    // The original joins the preview once the screen needs more (zoomed in).
    lightbox.addFilter("domItemData", function (item, element, link) {
      var f = byId[link.closest("figure.item").dataset.id] || {};
      item.link = link;
      item.file = f;
      if (f.z && f.o) item.srcset = link.getAttribute("href") + " " + f.z[0] + "w, " + f.o + " " + f.z[1] + "w";
      return item;
    });
    lightbox.on("uiRegister", function () {
      var pswp = lightbox.pswp;
      var figureOf = function () { return pswp.currSlide.data.link.closest("figure.item"); };
      pswp.ui.registerElement({
        name: "heart", order: 8, isButton: true, tagName: "button",
        html: '<span class="heart-icon" aria-hidden="true"></span>',
        onInit: function (button) {
          button.classList.add("heart");
          var show = function () {
            var f = figureOf(), on = !!chosen[f.dataset.id];
            button.setAttribute("aria-pressed", String(on));
            button.setAttribute("aria-label", label(nameOf(f), on));
            button.title = on ? "In my selection" : "Add to my selection";
          };
          pswp.on("change", show);
          button.addEventListener("click", function () { var f = figureOf(); choose(f.dataset.id, !chosen[f.dataset.id]); show(); });
        }
      });
      pswp.ui.registerElement({
        name: "download", order: 9, isButton: true, tagName: "a",
        html: '<span class="download-icon" aria-hidden="true"></span>',
        onInit: function (link) {
          link.classList.add("pswp-download");
          pswp.on("change", function () {
            var f = pswp.currSlide.data.file || {};
            link.hidden = !f.o;
            if (f.o) {
              link.href = f.o;
              link.setAttribute("download", f.n);
              link.setAttribute("aria-label", "Download the original of " + f.n);
              link.title = "Download the original";
            }
          });
        }
      });
      pswp.ui.registerElement({
        name: "caption", order: 9, isButton: false, appendTo: "root",
        onInit: function (caption) {
          caption.setAttribute("aria-live", "polite");
          pswp.on("change", function () {
            var f = pswp.currSlide.data.file || {};
            caption.replaceChildren(el("span", { "class": "name" }, f.n || ""),
              el("span", { "class": "camera" }, f.c || ""));
          });
        }
      });
    });
    // The back button or gesture closes the lightbox, as on every phone app.
    var pushed = false;
    lightbox.on("afterInit", function () {
      lightbox.pswp.element.focus({ preventScroll: true }); // screen readers enter the dialog
      history.pushState({ lytsiteLightbox: true }, "");
      pushed = true;
    });
    var last = null;
    lightbox.on("close", function () {
      last = lightbox.pswp.currSlide && lightbox.pswp.currSlide.data.link;
      if (pushed) { pushed = false; history.back(); }
    });
    lightbox.on("destroy", function () {
      if (last) { last.focus({ preventScroll: true }); last.scrollIntoView({ block: "nearest" }); }
      last = null;
    });
    window.addEventListener("popstate", function () {
      if (pushed && lightbox.pswp) { pushed = false; lightbox.pswp.close(); }
    });
    // Tab wraps around the lightbox's buttons instead of leaving the page.
    document.addEventListener("keydown", function (e) {
      var p = lightbox.pswp;
      if (!p || e.key !== "Tab") return;
      var stops = Array.prototype.filter.call(p.element.querySelectorAll("button, a[href]"), function (b) {
        return !b.hidden && b.offsetParent !== null;
      });
      if (!stops.length) return;
      var first = stops[0], last = stops[stops.length - 1], at = document.activeElement;
      if (!e.shiftKey && at === last) { e.preventDefault(); first.focus(); }
      else if (e.shiftKey && (at === first || at === p.element)) { e.preventDefault(); last.focus(); }
    });
    lightbox.init();
    window.lytsiteLightbox = lightbox;
    // The lightbox's core loads at the first sign of a visitor about to open a photo.
    var warm = function () { loadCore(); };
    ["pointerdown", "touchstart", "keydown"].forEach(function (type) {
      document.addEventListener(type, warm, { once: true, passive: true, capture: true });
    });
  }

  // -- Download all: one ZIP, streamed to disk through the service worker -----------
  var all = bar && bar.querySelector("details.all");
  var status = bar && bar.querySelector(".zip");
  // (Not from a folder on disk: an exported copy has the originals right there.)
  if (all && !(data.downloads && location.protocol !== "file:" && window.isSecureContext &&
      "serviceWorker" in navigator && window.ReadableStream)) {
    all.remove(); // an exported copy on disk has the originals right there
    all = null;
  }
  if (all) {
    Array.prototype.forEach.call(all.querySelectorAll("button[data-kind]"), function (button) {
      button.addEventListener("click", function () { all.open = false; download(button.dataset.kind); });
    });
  }

  function size(bytes) {
    var units = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (bytes >= 1000 && i < units.length - 1) { bytes /= 1000; i++; }
    return (i ? bytes.toFixed(1) : bytes) + " " + units[i];
  }

  function say(text, done, total) {
    status.hidden = false;
    var bar = status.querySelector("progress");
    bar.max = total || 1; bar.value = done || 0;
    bar.hidden = total === undefined;
    status.querySelector(".words").textContent = text;
  }

  function download(kind) {
    var only = document.body.classList.contains("only-chosen");
    var list = files.filter(function (f) { return f[kind] && (!only || chosen[f.id]); }).map(function (f) {
      var name = kind === "o" ? f.p : f.p.replace(/\.[^./]*$/, "") + (f.w.match(/\.[^./]*$/) || [""])[0];
      return { url: new URL(f[kind], location.href).href, size: f[kind + "s"], name: name };
    });
    if (!list.length) return;
    var base = (document.title || data.project || "gallery").replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ").trim() || "gallery";
    var name = base + (kind === "w" ? " (web size)" : "") + (only ? " (my selection)" : "") + ".zip";
    var id = Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(12)), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    say("Preparing the download…");
    navigator.serviceWorker.register("sw.js").then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      var channel = new MessageChannel();
      var ping = setInterval(function () { if (reg.active) reg.active.postMessage({ type: "ping" }); }, 10000);
      channel.port1.onmessage = function (e) {
        var m = e.data;
        if (m.type === "ready") {
          var frame = el("iframe", { hidden: "", title: "download", src: "zip/" + id + "/" + encodeURIComponent(name) });
          document.body.appendChild(frame);
          say("Downloading " + list.length + " files…", 0, 1);
        } else if (m.type === "progress") {
          say("Downloading " + Math.min(m.file + 1, list.length) + " of " + list.length + " · " + size(m.done) + " of " + size(m.total), m.done, m.total);
        } else if (m.type === "done") {
          clearInterval(ping);
          say("Downloaded " + list.length + " files (" + size(m.total) + ").", m.total, m.total);
          document.body.dataset.zip = "done";
        } else if (m.type === "failed" || m.type === "cancelled") {
          clearInterval(ping);
          say(m.type === "failed" ? "The download stopped: a file could not be fetched. Try again in a moment." : "The download was cancelled.");
          document.body.dataset.zip = m.type;
        }
      };
      reg.active.postMessage({ type: "zip", id: id, name: name, files: list }, [channel.port2]);
    }).catch(function () {
      say("This browser cannot download everything at once here; open each photo to download it.");
    });
  }
})();
