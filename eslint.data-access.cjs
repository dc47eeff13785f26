// The data-access rules (docs/adr/0014-data-access.md), as `no-restricted-syntax` entries:
// eslint.config.mjs applies them to apps/ and libs/, and test/lint/data-access-rules.spec.ts
// runs them on the anti-patterns they exist for.

/** A statement's result read straight from `query()`: TypeORM answers UPDATE/DELETE … RETURNING with [rows, count]. */
const rawResult = {
  selector: "CallExpression[callee.property.name='query']:not(ExpressionStatement > AwaitExpression > CallExpression)",
  message:
    'Read a statement’s result through sqlRows()/sqlCount() (@ringfence/tenancy): query() answers UPDATE/DELETE … RETURNING with [rows, count]. A statement whose result is not read is `await manager.query(…);`.',
};

/** The pool reached around the unit of work: no transaction, no RLS settings, no audit row. */
const poolAccess = {
  selector: 'MemberExpression[object.name=/^dataSource$/i], MemberExpression[object.property.name=/^dataSource$/i]',
  message:
    'Reach the database through UnitOfWork: run()/read() (RLS settings, audit row), or readOutsideUnitOfWork(purpose, reader => …) for a deliberate read before there is a principal.',
};

/** Repositories and query builders: hand-written SQL only, TypeORM is the pool and the transactions. */
const ormAccess = {
  selector:
    "CallExpression[callee.property.name=/^(getRepository|getTreeRepository|createQueryBuilder)$/], CallExpression[callee.object.name='TypeOrmModule'][callee.property.name='forFeature']",
  message:
    'Hand-written SQL through the unit of work’s manager and sqlRows(): no repositories, query builders or entities (docs/adr/0014-data-access.md).',
};

/** Entities and repositories are not imported at all. */
const ormImports = [
  {
    name: 'typeorm',
    importNames: ['Entity', 'Column', 'PrimaryColumn', 'PrimaryGeneratedColumn', 'Repository'],
    message: ormAccess.message,
  },
  { name: '@nestjs/typeorm', importNames: ['InjectRepository', 'InjectDataSource'], message: ormAccess.message },
];

module.exports = { rawResult, poolAccess, ormAccess, ormImports };
