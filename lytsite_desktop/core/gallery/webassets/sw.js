// lytsite-desktop web gallery: "Download all" as one ZIP, streamed to disk by the
// browser's own download manager. The page hands this worker the list of files
// (through a MessageChannel), then opens zip/{id}/{name}.zip; the worker answers
// that address with the archive, fetching each file from the gallery's folder
// only as fast as the download is written. Nothing else is intercepted.
/* global LytsiteZip */
importScripts("zip.js");

var jobs = {};

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type !== "zip" || !port) return; // a keep-alive ping needs no answer
  jobs[data.id] = { files: data.files, name: data.name, port: port };
  port.postMessage({ type: "ready" });
});

function disposition(name) {
  var ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return 'attachment; filename="' + ascii + '"; filename*=UTF-8\'\'' + encodeURIComponent(name);
}

// A reader of `file` from byte `from` (a Range request when resuming mid-file).
function open(file, from) {
  var headers = from ? { Range: "bytes=" + from + "-" } : {};
  return fetch(file.url, { headers: headers, cache: "no-store" }).then(function (response) {
    var ok = from ? response.status === 206 : response.ok;
    if (!ok || !response.body) throw new Error(file.name + ": HTTP " + response.status);
    return response.body.getReader();
  });
}

self.addEventListener("fetch", function (event) {
  var match = /\/zip\/([A-Za-z0-9]{8,64})\/[^/]+$/.exec(new URL(event.request.url).pathname);
  var job = match && jobs[match[1]];
  if (!job) return;
  delete jobs[match[1]];
  var last = 0;
  var zip = LytsiteZip.archive(job.files, open, {
    progress: function (done, total, index) {
      var now = Date.now();
      if (done < total && now - last < 200) return;
      last = now;
      job.port.postMessage({ type: "progress", done: done, total: total, file: index });
    }
  });
  var body = new ReadableStream({
    pull: function (controller) {
      return zip.next().then(function (bytes) {
        if (bytes === null) {
          controller.close();
          job.port.postMessage({ type: "done", total: zip.total });
        } else {
          controller.enqueue(bytes);
        }
      }, function (error) {
        job.port.postMessage({ type: "failed", message: String(error && error.message) });
        controller.error(error);
      });
    },
    cancel: function () { job.port.postMessage({ type: "cancelled" }); }
  }, { highWaterMark: 4 });
  event.respondWith(new Response(body, {
    headers: {
      "Content-Type": "application/zip",
      "Content-Length": String(zip.total),
      "Content-Disposition": disposition(job.name)
    }
  }));
});
