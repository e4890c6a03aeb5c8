// A webhook receiver for tests/notify/webhook_sender_test.cc that verifies every delivery with
// the Standard Webhooks specification's own library (npm standardwebhooks, in web/node_modules).
//
//   node webhook_receiver.mjs serve <web dir> <secret> <record file> [--fail N] [--hang]
//     Listens on 127.0.0.1, prints "PORT <n>" when ready. Each request appends one JSON line to
//     <record file>: {id, verified, error, body}. It answers 204, or 500 to the first N requests
//     (--fail), or never (--hang). A <secret> of "@<file>" is read from that file at each request
//     (a test that adds the webhook through gaplog learns its secret after the receiver's port).
//   node webhook_receiver.mjs sign <web dir> <secret> <id> <timestamp> <body>
//     Prints the library's webhook-signature for that message.
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const [mode, webDir, secret, ...rest] = process.argv.slice(2);
const require = createRequire(path.resolve(webDir, 'package.json'));
const { Webhook } = require('standardwebhooks');

if (mode === 'sign') {
  const [id, timestamp, body] = rest;
  const signature = new Webhook(secret).sign(id, new Date(Number(timestamp) * 1000), body);
  process.stdout.write(signature + '\n');
  process.exit(0);
}

const recordFile = rest[0];
let failures = 0;
const failAt = rest.indexOf('--fail');
if (failAt >= 0) failures = Number(rest[failAt + 1]);
const hang = rest.includes('--hang');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const record = { id: req.headers['webhook-id'] ?? null, verified: false, error: null, body,
                     content_type: req.headers['content-type'] ?? null };
    try {
      const key = secret.startsWith('@') ? readFileSync(secret.slice(1), 'utf8').trim() : secret;
      new Webhook(key).verify(body, req.headers);
      record.verified = true;
    } catch (error) {
      record.error = String(error.message);
    }
    appendFileSync(recordFile, JSON.stringify(record) + '\n');
    if (hang) return;  // never answers: the sender's timeout ends it
    if (failures > 0) {
      failures -= 1;
      res.writeHead(500, { 'content-type': 'text/plain' }).end('failing on purpose');
      return;
    }
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
