'use strict';
// Bench only, never shipped: the same build with every audit write turned into a no-op,
// the "audit ring off" side of the ring's cost. The request transaction stays.
const { AuditWriter } = require('../dist/libs/audit/src/audit-writer');

AuditWriter.prototype.append = async function append() {};
require('../dist/apps/api/src/main.js');
