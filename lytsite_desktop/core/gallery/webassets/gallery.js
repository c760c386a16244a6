// lytsite-desktop web gallery: the lightbox. Names reach the page only through
// textContent and attributes, never as HTML.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("figure.item[data-full]"));
  var box = document.getElementById("lightbox");
  if (!box || !items.length) return;
  var img = box.querySelector("img");
  var name = box.querySelector(".name");
  var camera = box.querySelector(".camera");
  var counter = box.querySelector(".counter");
  var download = box.querySelector(".download");
  var at = -1;

  function show(i) {
    at = Math.max(0, Math.min(items.length - 1, i));
    var f = items[at];
    img.src = f.dataset.full;
    img.alt = f.dataset.name;
    name.textContent = f.dataset.name;
    camera.textContent = f.dataset.camera || "";
    counter.textContent = (at + 1) + " / " + items.length;
    if (f.dataset.original) {
      download.hidden = false;
      download.href = f.dataset.original;
      download.setAttribute("download", f.dataset.name);
      download.textContent = f.dataset.download;
    } else {
      download.hidden = true;
    }
    box.dataset.index = f.dataset.index;
    if (!box.open) box.showModal();
  }

  items.forEach(function (f, i) {
    var opener = f.querySelector("a.open");
    if (opener) opener.addEventListener("click", function (e) { e.preventDefault(); show(i); });
  });
  box.querySelector(".prev").addEventListener("click", function () { show(at - 1); });
  box.querySelector(".next").addEventListener("click", function () { show(at + 1); });
  box.querySelector(".close").addEventListener("click", function () { box.close(); });
  box.addEventListener("close", function () {
    var opener = at >= 0 && items[at].querySelector("a.open");
    at = -1;
    delete box.dataset.index;
    if (opener) opener.focus();
  });
  document.addEventListener("keydown", function (e) {
    if (!box.open) return;
    var moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: items.length - 1 };
    if (e.key in moves) { e.preventDefault(); show(moves[e.key]); }
  });
})();
