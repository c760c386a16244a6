// An upload server for a studio: Uppy Companion's S3 endpoints behind a token
// check, so that photographers' computers upload straight to the bucket
// without ever holding its keys. See README.md beside this file.
//
//   npm ci && S3_ENDPOINT=... S3_BUCKET=... S3_KEY=... S3_SECRET=... \
//     TOKENS="long-random-token-for-ana=ana/,another-for-joao=joao/" node server.mjs
//
// Settings (environment):
//   S3_ENDPOINT, S3_BUCKET, S3_KEY, S3_SECRET, S3_REGION (R2: "auto")
//   TOKENS   comma-separated "token=prefix/" pairs: each photographer's token and
//            the folder of the bucket their uploads go under
//   REVOKED  comma-separated tokens answered "revoked" (403) rather than "unknown"
//   EXPIRES  seconds a signed address lives (default 300)
//   PORT     (default 3020; 0: any free port), HOST (default 127.0.0.1: put it
//            behind your https reverse proxy)
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import express from 'express'
import * as companion from '@uppy/companion'

function pairs(text) {
  return new Map(
    (text || '').split(',').filter(Boolean).map((pair) => {
      const at = pair.indexOf('=')
      return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)]
    }),
  )
}

// Each photographer's uploads stay under their folder: the key the app asks
// for, behind their prefix. A key that tries to climb out is refused.
export function keyUnderPrefix({ req, filename }) {
  if (filename.split('/').some((part) => part === '..' || part === '')) {
    throw new Error('refused key')
  }
  return `${req.prefix}${filename}`
}

export function start(env, { getKey = keyUnderPrefix } = {}) {
  const tokens = pairs(env.TOKENS)
  const revoked = new Set((env.REVOKED || '').split(',').filter(Boolean))
  const app = express()

  app.use((req, res, next) => {
    const auth = req.get('authorization') || ''
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : ''
    if (revoked.has(token)) return res.status(403).json({ error: 'token revoked' })
    if (!tokens.has(token)) return res.status(401).json({ error: 'unknown token' })
    req.prefix = tokens.get(token)
    next()
  })

  // Companion wants a folder for files it would download itself (this server
  // takes none): an empty one, removed when the process ends.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'companion-'))
  process.once('exit', () => fs.rmSync(scratch, { recursive: true, force: true }))
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => process.exit(128 + os.constants.signals[signal]))
  }

  const port = Number(env.PORT ?? 3020)
  const { app: companionApp } = companion.app({
    s3: {
      key: env.S3_KEY,
      secret: env.S3_SECRET,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION || 'auto',
      endpoint: env.S3_ENDPOINT,
      forcePathStyle: true,
      expires: Number(env.EXPIRES || 300),
      getKey,
      // Signed addresses without a CRC32 of an empty body, which R2 rejects;
      // the app sends a Content-MD5 with every part, which R2 checks.
      awsClientOptions: { requestChecksumCalculation: 'WHEN_REQUIRED' },
    },
    server: { host: `localhost:${port}`, protocol: 'https' },
    filePath: scratch,
    secret: env.COMPANION_SECRET || crypto.randomBytes(32).toString('hex'),
    corsOrigins: true, // the app is no browser: no CORS needed, none given
    uploadUrls: ['https://localhost/'], // Companion's own remote uploads: unused
  })
  app.use(companionApp)

  // The store's own status and error name, not a bare 500: an upload the store
  // no longer knows (404 NoSuchUpload) is then started over, not retried.
  app.use((err, req, res, next) => {
    const status = err.$metadata?.httpStatusCode || 500
    res.status(status >= 400 ? status : 500).json({ error: err.name || 'error' })
  })

  const server = app.listen(port, env.HOST || '127.0.0.1', () => {
    console.log(`listening on ${server.address().port}`)
  })
  // Connections kept open between a batch's requests (Node closes them after 5 s).
  server.keepAliveTimeout = 65_000
  return server
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) start(process.env)
