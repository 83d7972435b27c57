// npm run bench: lints the real-world corpus (../shared/corpus) and the fixtures, each in fresh
// processes, and prints files, statements, wall time (median of runs, whole CLI process included)
// and peak memory. Figures, not assertions: compare them across commits.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
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
// `npm ci` then refuses it elsewhere), in one run, medians of fresh
// processes taken pair by pair so that both see the same machine load. migsafe runs as a user runs
// it: the CLI (bin/migsafe.js), with every file's directory read for context; squawk has no such
// context. Figures, not assertions.
const squawk = path.join(root, 'node_modules/.bin/squawk');
if (existsSync(corpus) && existsSync(squawk)) {
  const sqlFiles = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.sql')) sqlFiles.push(full);
    }
  };
  walk(corpus);
  const flyway = path.join(corpus, 'kestra-io__kestra/jdbc-postgres/src/main/resources/migrations/postgres');
  const oneFile = path.join(flyway, readdirSync(flyway).filter((f) => f.endsWith('.sql')).sort().pop());
  const cases = [
    [`the corpus's ${sqlFiles.length} SQL files, as arguments`, sqlFiles],
    ['one SQL file in a 26-file Flyway directory', [oneFile]],
  ];
  const timed = (command, args) => {
    const started = performance.now();
    spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return performance.now() - started;
  };
  console.log(`\nside by side with squawk ${spawnSync(squawk, ['--version'], { encoding: 'utf8' }).stdout.trim()} (median of ${runs}, pair by pair)`);
  const nodeStart = median(Array.from({ length: runs }, () => timed(process.execPath, ['-e', '0'])));
  for (const [name, files] of cases) {
    const ours = [];
    const theirs = [];
    for (let i = 0; i < runs; i++) {
      ours.push(timed(process.execPath, [path.join(root, 'bin/migsafe.js'), 'lint', ...files, '--format', 'json']));
      theirs.push(timed(squawk, ['--reporter', 'json', ...files]));
    }
    const [m, s] = [median(ours), median(theirs)];
    console.log(`  ${name}: migsafe ${(m / 1000).toFixed(2)} s, squawk ${(s / 1000).toFixed(2)} s: ${(m / s).toFixed(1)}x; ${(m / nodeStart).toFixed(1)}x \`node -e 0\` (${(nodeStart / 1000).toFixed(2)} s)`);
  }
}
