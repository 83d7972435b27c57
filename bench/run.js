// npm run bench: lints the real-world corpus (../shared/corpus) and the fixtures, each in fresh
// processes, and prints files, statements, wall time (median of runs, whole CLI process included)
// and peak memory. Figures, not assertions: compare them across commits.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
