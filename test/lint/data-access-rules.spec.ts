import { Linter } from 'eslint';
import { parser } from 'typescript-eslint';

// The very entries eslint.config.mjs applies to apps/ and libs/.
const { rawResult, poolAccess, ormAccess, ormImports } = require('../../eslint.data-access.cjs');

/** The data-access rules (docs/adr/0014-data-access.md) on code that breaks them, and on code that keeps them. */
describe('data-access lint rules', () => {
  const linter = new Linter({ configType: 'flat' });

  function problems(code: string): string[] {
    const config: Linter.Config[] = [
      {
        files: ['**/*.ts'],
        languageOptions: { parser },
        rules: {
          'no-restricted-syntax': ['error', rawResult, poolAccess, ormAccess],
          'no-restricted-imports': ['error', { paths: ormImports }],
        },
      },
    ];
    return linter.verify(code, config, 'snippet.ts').map((message) => `${message.line}: ${message.message.split(':')[0]}`);
  }

  it('refuses a raw result read straight from query(), however it is read', () => {
    const code = [
      `async function f(m: any) {`,
      `  const [row] = await m.query('UPDATE t SET x = 1 RETURNING id');`,
      `  const rows: { id: string }[] = await this.unitOfWork.manager.query('SELECT id FROM t');`,
      `  const count = (await m.query('DELETE FROM t RETURNING 1')).length;`,
      `  return m.query('SELECT 1');`,
      `}`,
      `const close = () => manager.query('UPDATE t SET closed = true');`,
    ].join('\n');
    expect(problems(code)).toEqual(
      [2, 3, 4, 5, 7].map((line) => `${line}: Read a statement’s result through sqlRows()/sqlCount() (@ringfence/tenancy)`),
    );
  });

  it('refuses the pool reached around the unit of work, and repositories, query builders and entities', () => {
    const code = [
      `import { Entity, Repository } from 'typeorm';`,
      `import { InjectRepository } from '@nestjs/typeorm';`,
      `async function f(this: any, dataSource: any) {`,
      `  await this.dataSource.query('UPDATE admins SET role = $1', ['owner']);`,
      `  await dataSource.transaction(async () => undefined);`,
      `  await this.unitOfWork.manager.getRepository('admins').save({});`,
      `  await this.unitOfWork.manager.createQueryBuilder().update('admins').execute();`,
      `}`,
      `TypeOrmModule.forFeature([]);`,
    ].join('\n');
    expect(problems(code)).toEqual([
      `1: 'Entity' import from 'typeorm' is restricted. Hand-written SQL through the unit of work’s manager and sqlRows()`,
      `1: 'Repository' import from 'typeorm' is restricted. Hand-written SQL through the unit of work’s manager and sqlRows()`,
      `2: 'InjectRepository' import from '@nestjs/typeorm' is restricted. Hand-written SQL through the unit of work’s manager and sqlRows()`,
      `4: Reach the database through UnitOfWork`,
      `5: Reach the database through UnitOfWork`,
      `6: Hand-written SQL through the unit of work’s manager and sqlRows()`,
      `7: Hand-written SQL through the unit of work’s manager and sqlRows()`,
      `9: Hand-written SQL through the unit of work’s manager and sqlRows()`,
    ]);
  });

  it('lets through what the rules ask for: a statement whose result is not read, results through sqlRows, the door', () => {
    const code = [
      `import { DataSource } from 'typeorm';`,
      `async function f(this: any) {`,
      `  await this.unitOfWork.manager.query('UPDATE t SET x = 1 WHERE id = $1', [1]);`,
      `  const [row] = await sqlRows<{ id: string }>(this.unitOfWork.manager, 'UPDATE t SET x = 1 RETURNING id');`,
      `  const touched = await sqlCount(this.unitOfWork.manager, 'DELETE FROM t RETURNING 1');`,
      `  return this.unitOfWork.readOutsideUnitOfWork('a look-up', (reader: any) => sqlRows(reader, 'SELECT 1'));`,
      `}`,
      `const query = request.query;`,
    ].join('\n');
    expect(problems(code)).toEqual([]);
  });
});
