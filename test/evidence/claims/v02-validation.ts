import type { ClaimSet } from '../model';

const claims: ClaimSet = {
  claims: [
    {
      id: 'V2.1.3',
      claim:
        "Every configurable limit the service enforces per address, per key, per workspace (plan), per vault and in all is a setting documented with its default in the README's Configuration table, and a spec fails on any setting the service reads that the table lacks; the fixed sign-in, second-factor, reset and refresh budgets are documented in ADR 0004; a policy's caps are documented in its OpenAPI schema.",
    },
    {
      id: 'V2.2.1',
      claim:
        'Every body and query is validated positively against its DTO (types, enums, patterns, lengths, ranges) by a whitelisting ValidationPipe: an unknown body field or query parameter is a 400 naming it; amounts are exact decimals; policy documents are validated as a whole on write, every error with its path.',
    },
    {
      id: 'V2.2.2',
      claim:
        'Validation runs in the API, at the request boundary and in the services it calls, never in the console alone: the specs send invalid input straight to the API and it is refused there, and nothing of it is written.',
    },
    {
      id: 'V2.2.3',
      claim:
        'Related items are checked together: a transfer names its destination by id or by address, never both or neither; a policy rule whose amount bounds admit nothing, a REJECT rule with caps, a window without a maximum, and a rule an earlier rule shadows are refused on write.',
    },
    {
      id: 'V2.3.1',
      claim:
        "A provider's signing request is approved only for a transfer intent a workspace key recorded first, and only if it matches that intent field for field; with no active policy everything is rejected; a policy decides only once written as a validated draft and then activated.",
    },
    {
      id: 'V2.3.2',
      claim:
        "The policy's caps (a per-transaction maximum, and a rolling window per asset with a maximum sum and count, ADR 0019) are enforced exactly, in base units, across instances; over a cap is a REJECT naming it, never a fall-through.",
    },
    {
      id: 'V2.3.3',
      claim:
        'Every mutation runs in one transaction with its audit row and its domain events (and so its webhook deliveries): a failure anywhere rolls back all of them; a provider event is applied in one transaction too.',
    },
    {
      id: 'V2.3.4',
      claim:
        'Cap windows are read and reserved under a row lock in the transaction that records the decision, so racing callbacks across instances never spend more than the window; a signing request is decided once however many duplicates race; an Idempotency-Key held by a running request makes the others 409, so a raced create makes one row.',
    },
    {
      id: 'V2.4.1',
      claim:
        'Requests are limited per client address as they arrive (before authentication and before the body is read), then per key and per workspace by plan, with 429 and Retry-After; password reset requests are limited per email, known or not.',
    },
  ],
  unclaimed: [
    {
      ids: ['V2.1.1'],
      why: 'Partly: the committed OpenAPI document (checked equal to what the code declares) states every field with its type, enums and required fields, and patterns, lengths and ranges for many; but not for all (a workspace name’s 200-character limit and an email’s format are enforced by the DTOs and absent from it).',
    },
    {
      ids: ['V2.1.2'],
      why: 'Partly: ADR 0019 documents how a policy document is checked as a whole (caps on APPROVE rules only, bounds that admit something, shadowed rules refused), but no document lists the combined-field rules of the other routes (a transfer’s destination by id or by address, for one); they live in the DTOs and their specs.',
    },
    {
      ids: ['V2.3.5'],
      why: 'Not met: no flow needs a second person. One key with policies:write (or one admin with a fresh second factor) activates a policy; one owner exports a workspace. A multi-party signing quorum, where wanted, belongs to the custody provider.',
    },
  ],
};
export default claims;
