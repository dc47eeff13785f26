/**
 * A cosigner reason (`rule_approved`, `cap_window_sum`, `intent_mismatch:amount`, …) in an
 * operator's words; the code itself is shown beside it, so an unknown one is still readable.
 */
export function reasonWords(reason: string): string {
  const [head, detail] = splitOnce(reason);
  switch (head) {
    case 'rule_approved':
    case 'transfer_approved':
      return 'A rule approved it.';
    case 'rule_rejected':
      return 'A REJECT rule matched it.';
    case 'no_rule_matched':
      return 'No rule matched it: what no rule approves is rejected.';
    case 'no_active_policy':
      return 'The workspace had no active policy: every request is rejected.';
    case 'cap_per_transaction':
      return 'Over the matching rule’s per-transaction cap.';
    case 'cap_window_sum':
      return 'Over the matching rule’s window cap on the sum approved.';
    case 'cap_window_count':
      return 'Over the matching rule’s window cap on the number of approvals.';
    case 'missing_field':
      return `The request did not say its ${detail ?? 'field'}, which a rule needs.`;
    case 'intent_mismatch':
      return `The provider asked about something else than the transfer submitted (its ${detail ?? 'details'} differ).`;
    case 'provider_refused':
      return `The custody provider refused the transfer (${detail ?? 'no reason given'}).`;
    default:
      return '';
  }
}

/** `matched`, or the first condition of a rule that failed (`asset`, `amount`, …), or `missing:<field>`. */
export function traceWords(outcome: string): string {
  if (outcome === 'matched') return 'matched';
  const [head, detail] = splitOnce(outcome);
  if (head === 'missing') return `the request has no ${detail ?? 'value'} for this rule`;
  return `its ${outcome} condition does not hold`;
}

function splitOnce(text: string): [string, string | undefined] {
  const at = text.indexOf(':');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
