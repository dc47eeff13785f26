import { describeFailure } from './failure-message';

describe('describeFailure', () => {
  it('never prints "undefined" for a bare rejection, an empty error or an empty AggregateError', () => {
    for (const thrown of [undefined, null, new Error(), new Error('   '), new AggregateError([]), '']) {
      const text = describeFailure(thrown);
      expect(text.trim()).not.toBe('');
      expect(text).not.toMatch(/^undefined$|: undefined$/);
    }
    expect(describeFailure(undefined)).toBe('no error was given (the failure was reported as undefined)');
    expect(describeFailure(Object.assign(new Error(''), { code: 'ECONNRESET' }))).toBe('Error without a message (ECONNRESET)');
  });

  it('prints every connection attempt of an AggregateError (its own message is empty)', () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    expect(describeFailure(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')]))).toBe(
      'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
  });

  it('prints the cause chain, indenting multi-line messages, and stops at a cycle', () => {
    const root = new Error('port 5432 on 127.0.0.1 is already in use');
    const top = new Error('the embedded PostgreSQL did not start; its last lines:\n  FATAL: could not bind', { cause: root });
    expect(describeFailure(top)).toBe(
      'the embedded PostgreSQL did not start; its last lines:\n    FATAL: could not bind\n  caused by: port 5432 on 127.0.0.1 is already in use',
    );
    const a: Error = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(describeFailure(a)).toBe('a\n  caused by: b');
    expect(describeFailure(new Error('x', { cause: 'a plain string' }))).toBe('x\n  caused by: a plain string');
    expect(describeFailure({ reason: 'odd' })).toBe('a non-Error value: {"reason":"odd"}');
  });

  it('masks the password of a connection URL and of a SQL password literal, anywhere in the chain', () => {
    const text = describeFailure(
      // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
      new Error('could not connect to postgres://ringfence_app:s3cr3t-pass@db:5432/ringfence', {
        cause: new Error(`syntax error in: ALTER ROLE ringfence_app PASSWORD 'hunter2-literal'`),
      }),
    );
    // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
    expect(text).toContain('postgres://ringfence_app:[REDACTED]@db:5432/ringfence');
    expect(text).toContain(`PASSWORD '[REDACTED]'`);
    expect(text).not.toMatch(/s3cr3t-pass|hunter2-literal/);
  });
});
