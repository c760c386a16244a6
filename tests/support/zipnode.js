// Runs the gallery's ZIP writer (webassets/zip.js) under Node, as the service
// worker runs it in a browser: files read from disk as streams, one of them
// failing midway once (then read again from where it stopped), the archive
// written to a file. Usage: node zipnode.js SPEC.json
"use strict";
const fs = require("fs");
const path = require("path");
const zip = require(path.join(__dirname, "../../lytsite_desktop/core/gallery/webassets/zip.js"));

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let failed = false;

function open(file, from) {
  const stream = fs.createReadStream(file.path, { start: from, highWaterMark: 1 << 20 });
  const it = stream[Symbol.asyncIterator]();
  let sent = 0;
  return Promise.resolve({
    read() {
      if (!failed && file.name === spec.failOnce && from === 0 && sent > file.size / 2) {
        failed = true;
        stream.destroy();
        return Promise.reject(new Error("connection reset"));
      }
      return it.next().then((r) => {
        if (!r.done) sent += r.value.length;
        return r.done ? { done: true } : { done: false, value: new Uint8Array(r.value) };
      });
    },
  });
}

const out = fs.openSync(spec.out, "w");
const archive = zip.archive(spec.files, open, { limit: spec.limit, backoff: 0 });
function pump() {
  return archive.next().then((bytes) => {
    if (bytes === null) return;
    fs.writeSync(out, bytes);
    return pump();
  });
}
pump().then(() => {
  fs.closeSync(out);
  process.stdout.write(JSON.stringify({ total: archive.total, retried: failed }));
}, (error) => {
  process.stderr.write(String(error.stack || error));
  process.exit(1);
});
