/**
 * A message as its receiver sees it: `webhook-id` is the event's (the same on every attempt,
 * every endpoint and every replay, so a receiver dedupes on it), and the body is the Standard
 * Webhooks envelope, built the same way on every attempt from the event as it was appended.
 */
export function messageIdOf(eventId: string): string {
  return `msg_${eventId.replace(/-/g, '')}`;
}

export function webhookBody(event: { type: string; occurredAt: Date; payload: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.payload });
}
