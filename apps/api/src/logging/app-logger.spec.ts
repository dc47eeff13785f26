import { createAppLogger } from './app-logger';

describe('createAppLogger', () => {
  const capture = (): { lines: string[]; write: (line: string) => void } => {
    const lines: string[] = [];
    return { lines, write: (line: string) => void lines.push(line) };
  };

  it('never writes a failed query’s bound parameters [V16.2.5]', () => {
    const out = capture();
    const logger = createAppLogger({ logLevel: 'info' }, out);
    const error = Object.assign(new Error('inconsistent types deduced for parameter $2'), {
      query: 'UPDATE admins SET password_hash = $2 WHERE id = $1',
      parameters: ['0e0b4d3a-0000-4000-8000-000000000000', '$argon2id$v=19$m=19456,p=1,t=2$c2FsdA$aGFzaA-hunter2'],
    });
    logger.error({ err: error }, 'request failed');
    const line = out.lines.join('');
    expect(line).toContain('inconsistent types deduced');
    expect(line).toContain('UPDATE admins');
    expect(line).not.toContain('hunter2');
    expect(JSON.parse(line).err.parameters).toBe('[REDACTED]');
  });

  it('redacts secret-named fields at any depth [V16.2.5]', () => {
    const out = capture();
    createAppLogger({ logLevel: 'info' }, out).info({ body: { newPassword: 'hunter2-new', nested: { refreshToken: 'rt-secret' } } }, 'x');
    expect(out.lines.join('')).not.toMatch(/hunter2-new|rt-secret/);
  });

  it('writes JSON to the destination it is given, whatever the format asked for (pino-pretty only on its own stdout) [V16.2.4]', () => {
    const out = capture();
    createAppLogger({ logLevel: 'info', logFormat: 'pretty' }, out).info({ route: '/x' }, 'request completed');
    expect(JSON.parse(out.lines.join(''))).toMatchObject({ msg: 'request completed', route: '/x' });
  });

  it('keeps hostile text inside its JSON string: a CR, LF or escape sequence in a field or message starts no line of its own [V16.4.1]', () => {
    const out = capture();
    const hostile = 'evil\r\n{"level":60,"msg":"forged"}\u001b[2J\u2028end';
    createAppLogger({ logLevel: 'info' }, out).warn({ userAgent: hostile, nested: { name: hostile } }, `refused ${hostile}`);
    const text = out.lines.join('');
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).not.toContain('\r');
    expect(text).not.toContain('\u001b');
    const line = JSON.parse(text) as { msg: string; userAgent: string; nested: { name: string } };
    expect([line.msg, line.userAgent, line.nested.name]).toEqual([`refused ${hostile}`, hostile, hostile]);
  });
});
