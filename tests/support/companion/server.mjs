// The tests' signing server: the real @uppy/companion, as a studio would deploy
// it (README, "An upload server for a studio"), in front of an S3 server.
//
// Settings from the environment: PORT (0: any; the port is printed as
// "listening on PORT"), S3_ENDPOINT, S3_BUCKET, S3_KEY, S3_SECRET, S3_REGION,
// TOKENS (comma-separated bearer tokens, each "token=prefix/"), REVOKED
// (tokens answered 403), EXPIRES (seconds a signed URL lives), SCATTER=1
// (keys are not the ones asked for: Companion's own default).
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import express from 'express'
import * as companion from '@uppy/companion'

const env = process.env
const tokens = new Map(
  (env.TOKENS || '').split(',').filter(Boolean).map((pair) => {
    const [token, prefix = ''] = pair.split('=')
    return [token, prefix]
  }),
)
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

// Each user's objects stay under their prefix; a key that tries to climb out
// of it is refused (Companion answers a getKey that throws with a 500).
function getKey({ req, filename }) {
  if (env.SCATTER === '1') return `${crypto.randomUUID()}-${path.basename(filename)}`
  if (filename.split('/').some((part) => part === '..' || part === '')) {
    throw new Error('bad key')
  }
  return `${req.prefix}${filename}`
}

const filePath = fs.mkdtempSync(path.join(os.tmpdir(), 'companion-'))
const { app: companionApp } = companion.app({
  s3: {
    key: env.S3_KEY,
    secret: env.S3_SECRET,
    bucket: env.S3_BUCKET,
    region: env.S3_REGION || 'us-east-1',
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: true,
    expires: Number(env.EXPIRES || 800),
    getKey,
    // Presigned URLs without a CRC32 of an empty body (R2 rejects it); the
    // app sends its own Content-MD5.
    awsClientOptions: { requestChecksumCalculation: 'WHEN_REQUIRED' },
  },
  server: { host: `127.0.0.1:${env.PORT || 0}`, protocol: 'http' },
  filePath,
  secret: crypto.randomBytes(32).toString('hex'),
  corsOrigins: true,
  uploadUrls: ['http://127.0.0.1/'],
  maxFilenameLength: 1024,
})
app.use(companionApp)
// The store's own status and error name, not a bare 500: an upload the store no
// longer knows (404 NoSuchUpload) is then started over rather than retried.
app.use((err, req, res, next) => {
  const status = err.$metadata?.httpStatusCode || 500
  res.status(status >= 400 ? status : 500).json({ error: err.name || 'error' })
})

const server = app.listen(Number(env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`)
})
