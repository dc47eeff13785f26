import { defineProblems, problemCatalogue } from './define-problems';
import { Problem, problemType } from './problem';
import { isReportedState } from './reported-errors';

const Examples = defineProblems({
  THING_EXISTS: { status: 409, detail: 'A thing with this name exists.' },
  THING_OFFLINE: { status: 503, detail: 'The thing cannot answer.', retryAfterSeconds: 3, reportedState: true },
  THING_FULL: { status: 422, title: 'Bad Request', detail: 'The thing is full.' },
});

describe('defineProblems', () => {
  it('fixes the status, title, type and default detail of each code; an occurrence adds its own detail, delay and fields', () => {
    expect({ ...Examples.THING_EXISTS }).toMatchObject({
      code: 'THING_EXISTS',
      status: 409,
      title: 'Conflict',
      type: 'https://ringfence.dev/problems/thing-exists',
    });
    const problem = Examples.THING_EXISTS({ detail: 'A thing named x exists.', errors: [{ field: 'name', messages: ['is taken'] }] });
    expect(problem).toBeInstanceOf(Problem);
    expect(problem).toBeInstanceOf(Error);
    expect(problem).toMatchObject({
      code: 'THING_EXISTS',
      status: 409,
      detail: 'A thing named x exists.',
      reportedState: false,
      retryAfterSeconds: undefined,
    });
    expect(Examples.THING_EXISTS()).toMatchObject({ detail: 'A thing with this name exists.', errors: undefined });
    expect(Examples.THING_FULL()).toMatchObject({ status: 422, title: 'Bad Request' });
  });

  it('carries the retry delay and the reported state of its kind, unless an occurrence names its own delay', () => {
    expect(Examples.THING_OFFLINE()).toMatchObject({ retryAfterSeconds: 3, reportedState: true });
    expect(Examples.THING_OFFLINE({ retryAfterSeconds: 1 }).retryAfterSeconds).toBe(1);
    expect(isReportedState(Examples.THING_OFFLINE())).toBe(true);
    expect(isReportedState(Examples.THING_EXISTS())).toBe(false);
  });

  it('answers the document field by field, in the order clients have always seen, with nothing of the cause', () => {
    const cause = new Error('SELECT secret FROM vault');
    const document = Examples.THING_EXISTS({ detail: 'Taken.', errors: [{ field: 'name', messages: ['is taken'] }], cause }).document(
      'req-1',
    );
    expect(JSON.stringify(document)).toBe(
      '{"type":"https://ringfence.dev/problems/thing-exists","title":"Conflict","status":409,"detail":"Taken.","code":"THING_EXISTS","requestId":"req-1",' +
        '"errors":[{"field":"name","messages":["is taken"]}]}',
    );
    expect(JSON.stringify(Examples.THING_OFFLINE().document('req-2'))).toBe(
      '{"type":"https://ringfence.dev/problems/thing-offline","title":"Service Unavailable","status":503,"detail":"The thing cannot answer.","code":"THING_OFFLINE","requestId":"req-2"}',
    );
    expect(Examples.THING_EXISTS({ cause }).cause).toBe(cause);
  });

  it('recognises its own occurrences only', () => {
    expect(Examples.THING_EXISTS.is(Examples.THING_EXISTS())).toBe(true);
    expect(Examples.THING_EXISTS.is(Examples.THING_FULL())).toBe(false);
    expect(Examples.THING_EXISTS.is({ code: 'THING_EXISTS', status: 409 })).toBe(false);
    expect(Examples.THING_EXISTS.is(undefined)).toBe(false);
  });

  it('refuses a code that is not UPPER_SNAKE_CASE, a status that is not an error, a title it cannot name and an empty detail', () => {
    expect(() => defineProblems({ 'thing-exists': { status: 409, detail: 'x' } })).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => defineProblems({ THING_: { status: 409, detail: 'x' } })).toThrow(/UPPER_SNAKE_CASE/);
    expect(() => defineProblems({ THING_DONE: { status: 200, detail: 'x' } })).toThrow(/4xx or 5xx/);
    expect(() => defineProblems({ THING_PAID: { status: 402, detail: 'x' } })).toThrow(/title/);
    expect(() => defineProblems({ THING_PAID: { status: 402, title: 'Payment Required', detail: 'x' } })).not.toThrow();
    expect(() => defineProblems({ THING_BLANK: { status: 400, detail: ' ' } })).toThrow(/detail/);
  });

  it('derives the type from the code alone', () => {
    expect(problemType('VALIDATION_FAILED')).toBe('https://ringfence.dev/problems/validation-failed');
  });
});

describe('problemCatalogue', () => {
  it('lists every problem once, ordered by code, and refuses a code declared by two catalogues', () => {
    const Others = defineProblems({ ANOTHER_THING: { status: 400, detail: 'x' } });
    expect(problemCatalogue(Examples, Others).map((problem) => problem.code)).toEqual([
      'ANOTHER_THING',
      'THING_EXISTS',
      'THING_FULL',
      'THING_OFFLINE',
    ]);
    expect(() => problemCatalogue(Examples, defineProblems({ THING_EXISTS: { status: 409, detail: 'again' } }))).toThrow(
      /THING_EXISTS is declared by two catalogues/,
    );
  });
});
