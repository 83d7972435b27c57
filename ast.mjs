import { loadModule, parseSync } from 'libpg-query';
await loadModule();
for (const sql of process.argv.slice(2)) console.log(JSON.stringify(parseSync(sql).stmts[0].stmt, null, 0));
