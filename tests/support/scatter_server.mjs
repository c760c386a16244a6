// The studio's upload server (packaging/upload-server) with Companion's own
// default key naming (a random id before the file's name): a server whose keys
// the web page cannot link, for the tests.
import crypto from 'node:crypto'
import path from 'node:path'
import { start } from '../../packaging/upload-server/server.mjs'

start(process.env, {
  getKey: ({ filename }) => `${crypto.randomUUID()}-${path.basename(filename)}`,
})
