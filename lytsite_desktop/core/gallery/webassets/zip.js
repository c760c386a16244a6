// lytsite-desktop web gallery: a ZIP archive written as a stream, file after file,
// never held whole in memory. Store only (photos are compressed already), CRC-32
// computed as the bytes pass, sizes in a data descriptor after each file, ZIP64
// records for any file, offset or count beyond the classic format's limits. The
// archive's exact length is known before the first byte (the sizes come from the
// manifest), so the browser shows a true progress bar and total.
// Used by the service worker (sw.js) and by the tests under Node.
(function (root) {
  "use strict";
  var LIMIT32 = 0xffffffff;
  var LIMIT16 = 0xffff;
  var TABLE = (function () {
    var t = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();

  function crc32(crc, bytes) {
    var c = ~crc;
    for (var i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
  }

  function utf8(text) { return new TextEncoder().encode(text); }

  // A safe name inside the archive: forward slashes, no "..", no leading slash.
  function entryName(path) {
    var parts = String(path).replace(/\\/g, "/").split("/").filter(function (p) {
      return p && p !== "." && p !== "..";
    });
    return parts.join("/") || "file";
  }

  function Writer(view, at) { this.view = view; this.at = at || 0; }
  Writer.prototype.u16 = function (v) { this.view.setUint16(this.at, v, true); this.at += 2; return this; };
  Writer.prototype.u32 = function (v) { this.view.setUint32(this.at, v >>> 0, true); this.at += 4; return this; };
  Writer.prototype.u64 = function (v) {
    this.u32(v % 0x100000000);
    return this.u32(Math.floor(v / 0x100000000));
  };
  Writer.prototype.bytes = function (b) { new Uint8Array(this.view.buffer).set(b, this.at); this.at += b.length; return this; };

  function block(length) { return new Writer(new DataView(new ArrayBuffer(length))); }

  // The archive's layout, computed from names and sizes alone. `limit` is where
  // ZIP64 starts (the format's own limit; tests pass a small one).
  function plan(files, limit) {
    limit = limit || LIMIT32;
    var offset = 0, entries = [];
    files.forEach(function (f) {
      var name = utf8(entryName(f.name));
      var zip64 = f.size >= limit || offset >= limit;
      var header = 30 + name.length + (zip64 ? 20 : 0);
      var descriptor = zip64 ? 24 : 16;
      entries.push({ file: f, name: name, zip64: zip64, offset: offset, header: header, descriptor: descriptor });
      offset += header + f.size + descriptor;
    });
    var cdStart = offset, cdSize = 0;
    entries.forEach(function (e) { cdSize += 46 + e.name.length + (e.zip64 ? 28 : 0); });
    var zip64End = entries.length >= LIMIT16 || cdStart >= limit || cdSize >= limit ||
      entries.some(function (e) { return e.zip64; });
    var total = cdStart + cdSize + (zip64End ? 56 + 20 : 0) + 22;
    return { entries: entries, cdStart: cdStart, cdSize: cdSize, zip64End: zip64End, total: total };
  }

  function dosTime(date) {
    var time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
    var day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
    return { time: time, day: day };
  }

  var FLAGS = 0x0808; // sizes in a data descriptor; names in UTF-8

  function localHeader(e, when) {
    var w = block(e.header);
    w.u32(0x04034b50).u16(e.zip64 ? 45 : 20).u16(FLAGS).u16(0).u16(when.time).u16(when.day)
      .u32(0).u32(e.zip64 ? LIMIT32 : 0).u32(e.zip64 ? LIMIT32 : 0)
      .u16(e.name.length).u16(e.zip64 ? 20 : 0).bytes(e.name);
    if (e.zip64) w.u16(1).u16(16).u64(0).u64(0);
    return new Uint8Array(w.view.buffer);
  }

  function descriptor(e) {
    var w = block(e.descriptor);
    w.u32(0x08074b50).u32(e.crc);
    if (e.zip64) w.u64(e.file.size).u64(e.file.size);
    else w.u32(e.file.size).u32(e.file.size);
    return new Uint8Array(w.view.buffer);
  }

  function centralDirectory(p, when) {
    var w = block(p.cdSize + (p.zip64End ? 76 : 0) + 22);
    p.entries.forEach(function (e) {
      var big = e.zip64;
      w.u32(0x02014b50).u16(0x0300 | 45).u16(big ? 45 : 20).u16(FLAGS).u16(0)
        .u16(when.time).u16(when.day).u32(e.crc)
        .u32(big ? LIMIT32 : e.file.size).u32(big ? LIMIT32 : e.file.size)
        .u16(e.name.length).u16(big ? 28 : 0).u16(0).u16(0).u16(0)
        .u32(0x81a40000) // a regular file, rw-r--r--
        .u32(big ? LIMIT32 : e.offset).bytes(e.name);
      if (big) w.u16(1).u16(24).u64(e.file.size).u64(e.file.size).u64(e.offset);
    });
    var count = p.entries.length;
    if (p.zip64End) {
      var end64 = p.cdStart + p.cdSize;
      w.u32(0x06064b50).u64(44).u16(0x0300 | 45).u16(45).u32(0).u32(0)
        .u64(count).u64(count).u64(p.cdSize).u64(p.cdStart);
      w.u32(0x07064b50).u32(0).u64(end64).u32(1);
    }
    var many = count >= LIMIT16;
    w.u32(0x06054b50).u16(0).u16(0).u16(many ? LIMIT16 : count).u16(many ? LIMIT16 : count)
      .u32(p.cdSize >= LIMIT32 || p.zip64End ? LIMIT32 : p.cdSize)
      .u32(p.cdStart >= LIMIT32 || p.zip64End ? LIMIT32 : p.cdStart).u16(0);
    return new Uint8Array(w.view.buffer);
  }

  // The archive as a pull-driven source. `open(file, from)` gives a promise of a
  // reader ({read(): Promise<{done, value}>}) of the file's bytes starting at
  // `from` (a reader that fails mid-way is opened again where it stopped, up to
  // `retries` times). `progress(done, total, index)` follows the bytes.
  function archive(files, open, options) {
    options = options || {};
    var p = plan(files, options.limit);
    var when = dosTime(options.date || new Date());
    var retries = options.retries === undefined ? 5 : options.retries;
    var index = 0, reader = null, started = false, got = 0, crc = 0, sent = 0, failures = 0;
    var progress = options.progress || function () {};

    function emit(bytes) { sent += bytes.length; progress(sent, p.total, index); return bytes; }

    function pause(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

    function next() {
      if (index >= p.entries.length) {
        if (index === p.entries.length) { index++; return Promise.resolve(emit(centralDirectory(p, when))); }
        return Promise.resolve(null);
      }
      var e = p.entries[index];
      if (reader === null) {
        return open(e.file, got).then(function (r) {
          reader = r;
          if (started) return next();
          started = true;
          return emit(localHeader(e, when));
        }, retry);
      }
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          if (got !== e.file.size) throw new Error(e.file.name + ": " + got + " bytes, not " + e.file.size);
          e.crc = crc;
          index++; reader = null; started = false; got = 0; crc = 0; failures = 0;
          return emit(descriptor(e));
        }
        var bytes = chunk.value;
        if (got + bytes.length > e.file.size) throw new Error(e.file.name + ": longer than listed");
        got += bytes.length;
        crc = crc32(crc, bytes);
        return bytes.length ? emit(bytes) : next();
      }, retry);
    }

    function retry(error) {
      reader = null;
      if (++failures > retries) throw error;
      return pause(options.backoff === undefined ? 500 * failures : options.backoff).then(next);
    }
    return { total: p.total, next: next };
  }

  var api = { crc32: crc32, plan: plan, archive: archive, entryName: entryName };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.LytsiteZip = api;
})(typeof self !== "undefined" ? self : this);
