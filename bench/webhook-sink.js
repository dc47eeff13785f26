'use strict';
// Bench only: the webhooks' loopback sink, in its own process. Answers 204 to every POST once
// its body is read, and keeps when each `webhook-id` arrived (wall clock, ms, sub-ms precision).
// IPC: {type:'receipts'} answers with them and how many arrived twice; {type:'reset'} forgets.
const { createServer } = require('node:http');
const { performance } = require('node:perf_hooks');

let receipts = new Map();
let duplicates = 0;
let received = 0;
const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    const id = req.headers['webhook-id'];
    received += 1;
    if (typeof id === 'string') {
      if (receipts.has(id)) duplicates += 1;
      else receipts.set(id, at);
    }
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ type: 'listening' }));
process.on('message', (message) => {
  if (message.type === 'reset') {
    receipts = new Map();
    duplicates = 0;
    received = 0;
    process.send({ type: 'reset' });
  } else if (message.type === 'count') {
    process.send({ type: 'count', count: receipts.size, received });
  } else if (message.type === 'receipts') {
    process.send({ type: 'receipts', receipts: [...receipts], duplicates, received });
  }
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
