// npm run bench: lints the real-world corpus (../shared/corpus) and the fixtures, each in fresh
// processes, and prints files, statements, wall time (median of runs, whole CLI process included)
// and peak memory. Figures, not assertions: compare them across commits.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 5);
const targets = [
  ['corpus (../shared/corpus)', path.resolve(root, '../shared/corpus')],
  ['fixtures', path.join(root, 'fixtures')],
];

execFileSync(process.execPath, [path.join(root, 'scripts/build.js')], { stdio: 'inherit' });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const [name, dir] of targets) {
  if (!existsSync(dir)) {
    console.log(`${name}: skipped (${dir} is absent)`);
    continue;
  }
  const measures = [];
  const walls = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, [path.join(root, 'bench/measure.js'), dir], { encoding: 'utf8' });
    walls.push(performance.now() - started);
    if (child.status !== 0) throw new Error(`bench run failed: ${child.stderr}`);
    measures.push(JSON.parse(child.stdout));
  }
  const last = measures[measures.length - 1];
  const wall = median(walls);
  console.log(`\n${name}`);
  console.log(`  files            ${last.files}`);
  console.log(`  migrations       ${last.migrations}`);
  console.log(`  statements       ${last.statements}`);
  console.log(`  findings         ${last.findings} (syntax errors ${last.syntaxErrors}, internal errors ${last.internalErrors})`);
  console.log(`  wall time        ${(wall / 1000).toFixed(2)} s  (median of ${runs} fresh processes; lint() alone ${(median(measures.map((m) => m.lintMs)) / 1000).toFixed(2)} s)`);
  console.log(`  throughput       ${Math.round(last.statements / (wall / 1000))} statements/s`);
  console.log(`  peak memory      ${Math.max(...measures.map((m) => m.peakRssMb))} MB`);
  console.log('  by layout        migrations  statements  analysed');
  for (const [layout, c] of Object.entries(last.layouts).sort((a, b) => b[1].statements - a[1].statements)) {
    const share = c.statements ? (100 * (c.statements - c.unanalyzable)) / c.statements : 100;
    console.log(`    ${layout.padEnd(16)} ${String(c.migrations).padStart(8)}  ${String(c.statements).padStart(10)}  ${share.toFixed(1).padStart(7)}%`);
  }
}

// trace and verify on three real projects of different layouts (one fresh process each: PGlite's
// start-up is part of what a user waits for).
const observed = [
  ['goharbor__harbor', 'golang-migrate'],
  ['hatchet-dev__hatchet', 'goose'],
  ['documenso__documenso', 'Prisma'],
];
const corpus = path.resolve(root, '../shared/corpus');
if (existsSync(corpus)) {
  console.log('\ntrace / verify on embedded PostgreSQL (PGlite), one run each');
  for (const [project, layout] of observed) {
    for (const command of ['verify', 'trace']) {
      const started = performance.now();
      const child = spawnSync(process.execPath, [path.join(root, 'bin/migsafe.js'), command, path.join(corpus, project), '--format', 'json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      const seconds = (performance.now() - started) / 1000;
      const output = JSON.parse(child.stdout);
      const counts = {};
      for (const f of output.findings) counts[f.ruleId] = (counts[f.ruleId] ?? 0) + 1;
      console.log(`  ${command.padEnd(6)} ${project} (${layout}): ${output.summary.migrations} migrations, ${seconds.toFixed(2)} s, ${JSON.stringify(counts)}`);
    }
  }
}

// Side by side with squawk (Rust), where it is installed (`npm install --no-save squawk-cli@2.66.0`:
// not a dev dependency, since npm records only this platform's binary package in the lock file and
// `npm ci` then refuses it elsewhere), in one run, medians of fresh processes taken pair by pair so
// that both see the same machine load. migsafe runs as a user runs it: the CLI (bin/migsafe.js),
// with every file's directory read for context; squawk has no such context. The corpus is copied to
// a temporary folder first, so that the cache and the one-changed-file case touch only the copy.
// Figures, not assertions.
const squawk = path.join(root, 'node_modules/.bin/squawk');
const hasTime = existsSync('/usr/bin/time');
/** Wall time (ms) and peak memory (MB, where /usr/bin/time is there) of one fresh process. */
const timed = (command, args, options = {}) => {
  const started = performance.now();
  const child = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  const ms = performance.now() - started;
  const kb = hasTime ? Number(child.stderr.trim().split('\n').pop()) : NaN;
  return { ms, mb: kb / 1024, stdout: child.stdout, status: child.status };
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mem = (list) => (hasTime ? `, peak ${Math.round(Math.max(...list.map((r) => r.mb)))} MB` : '');
if (existsSync(corpus)) {
  const copy = mkdtempSync(path.join(tmpdir(), 'migsafe-bench-corpus-'));
  cpSync(corpus, copy, { recursive: true });
  const cache = path.join(copy, '.migsafe-cache');
  const sqlFiles = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.sql')) sqlFiles.push(full);
    }
  };
  walk(copy);
  const flyway = path.join(copy, 'kestra-io__kestra/jdbc-postgres/src/main/resources/migrations/postgres');
  const oneFile = path.join(flyway, readdirSync(flyway).filter((f) => f.endsWith('.sql')).sort().pop());
  const changing = sqlFiles[Math.floor(sqlFiles.length / 2)];
  const original = readFileSync(changing, 'utf8');
  let edits = 0;
  const migsafe = (args, options) => timed(process.execPath, [path.join(root, 'bin/migsafe.js'), 'lint', ...args, '--format', 'json'], { cwd: copy, ...options });
  const cold = (files) => () => migsafe(files);
  const warm = (files) => () => migsafe([...files, '--cache', '--cache-location', cache]);
  const oneChanged = (files) => () => {
    writeFileSync(changing, `${original}\n-- edit ${++edits}\n`);
    return migsafe([...files, '--cache', '--cache-location', cache]);
  };
  const nodeStart = median(Array.from({ length: runs }, () => timed(process.execPath, ['-e', '0']).ms));
  const squawkVersion = existsSync(squawk) ? spawnSync(squawk, ['--version'], { encoding: 'utf8' }).stdout.trim() : null;
  console.log(`\nside by side${squawkVersion ? ` with squawk ${squawkVersion}` : ' (squawk not installed: `npm install --no-save squawk-cli@2.66.0`)'}; medians of ${runs} fresh processes, pair by pair; \`node -e 0\` takes ${fmt(nodeStart)}`);
  const cases = [
    [`corpus SQL (${sqlFiles.length} files as arguments), cold`, cold(sqlFiles), sqlFiles],
    ['corpus SQL, warm (--cache, nothing changed)', warm(sqlFiles), sqlFiles],
    ['corpus SQL, one file changed (--cache)', oneChanged(sqlFiles), sqlFiles],
    ['one SQL file of a 26-file Flyway directory, cold', cold([oneFile]), [oneFile]],
    ['one SQL file, warm (--cache)', warm([oneFile]), [oneFile]],
  ];
  migsafe([...sqlFiles, '--cache', '--cache-location', cache]); // fills the cache for the warm cases
  const findingsOf = (run) => JSON.stringify(JSON.parse(run.stdout).findings);
  for (const [name, run, files] of cases) {
    const ours = [];
    const theirs = [];
    for (let i = 0; i < runs; i++) {
      ours.push(run());
      if (squawkVersion) theirs.push(timed(squawk, ['--reporter', 'json', ...files]));
    }
    const m = median(ours.map((r) => r.ms));
    const s = squawkVersion ? median(theirs.map((r) => r.ms)) : NaN;
    console.log(`  ${name}: migsafe ${fmt(m)}${mem(ours)}${squawkVersion ? `; squawk ${fmt(s)}${mem(theirs)}: ${(m / s).toFixed(2)}x squawk` : ''}; ${(m / nodeStart).toFixed(1)}x \`node -e 0\``);
  }
  writeFileSync(changing, original);
  // The whole corpus as `migsafe lint .` (SQL, TS/JS and Python), cold and warm, and the check that
  // the cache changes nothing: the findings of a warm run equal those of a run without it.
  const whole = [[], []];
  let same = true;
  migsafe(['.', '--cache', '--cache-location', cache]);
  for (let i = 0; i < runs; i++) {
    const plain = migsafe(['.']);
    const cached = migsafe(['.', '--cache', '--cache-location', cache]);
    whole[0].push(plain);
    whole[1].push(cached);
    same &&= findingsOf(plain) === findingsOf(cached);
  }
  const [wholeCold, wholeWarm] = whole.map((list) => median(list.map((r) => r.ms)));
  console.log(`  whole corpus \`lint .\`: cold ${fmt(wholeCold)}${mem(whole[0])}; warm ${fmt(wholeWarm)}${mem(whole[1])}: warm/cold ${(wholeWarm / wholeCold).toFixed(2)}; findings with and without the cache ${same ? 'identical' : 'DIFFERENT'}`);
  // ESLint on the largest TS project (OneUptime's TypeORM migrations), as bench/eslint.js runs it,
  // against the CLI on the same files.
  const oneuptime = path.join(copy, 'OneUptime__oneuptime');
  const tsDir = path.join(oneuptime, 'Common/Server/Infrastructure/Postgres/SchemaMigrations');
  if (existsSync(tsDir)) {
    const tsFiles = readdirSync(tsDir).filter((f) => f.endsWith('.ts')).map((f) => path.relative(oneuptime, path.join(tsDir, f)));
    const eslintRun = (env) => timed(process.execPath, [path.join(root, 'bench/eslint.js'), '.', ...tsFiles], { cwd: oneuptime, env: { ...process.env, ...env } });
    const cli = [];
    const eslintCold = [];
    const eslintWarm = [];
    eslintRun({});
    for (let i = 0; i < runs; i++) {
      cli.push(timed(process.execPath, [path.join(root, 'bin/migsafe.js'), 'lint', ...tsFiles, '--format', 'json'], { cwd: oneuptime }));
      eslintCold.push(eslintRun({ MIGSAFE_NO_CACHE: '1' }));
      eslintWarm.push(eslintRun({}));
    }
    const [c, e, w] = [cli, eslintCold, eslintWarm].map((list) => median(list.map((r) => r.ms)));
    console.log(`  ESLint on OneUptime's ${tsFiles.length} TypeORM migrations: ${fmt(e)}${mem(eslintCold)} (${(e / c).toFixed(1)}x the CLI's ${fmt(c)}); with migsafe's cache warm ${fmt(w)} (${(w / c).toFixed(1)}x)`);
  }
  rmSync(copy, { recursive: true, force: true });
}
