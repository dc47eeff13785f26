'use strict';
// A worker thread of cosigner-decisions.js: signs callbacks as the simulator's co-signer
// signs them (RS256, its private key, `iat` included), before the timed part of the run.
const { createPrivateKey } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const jwt = require('jsonwebtoken');

const key = createPrivateKey(workerData.privateKeyPem);
parentPort.postMessage(workerData.payloads.map((payload) => jwt.sign(payload, key, { algorithm: 'RS256' })));
