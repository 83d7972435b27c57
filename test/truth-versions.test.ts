// The truth grids on every PostgreSQL version PGlite offers besides the default one (its 0.2 line
// is PostgreSQL 16, 0.4 is 17; dev dependencies pglite-pg16 and pglite-pg17): locks, type changes,
// rewrites and scans, each compared with migsafe's claim for that major version (--pg-version).
// A claim that holds on 18 but not on 16 fails here, not in a user's production.
import { loadModule } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeChangeVerdict } from '../src/engine/postgres-facts.js';
import { openPglite, type Database } from '../src/trace/database.js';
import { LOCK_GRID, observeLock } from '../src/trace/lock-truth.js';
import { prepareTruthDatabase, type TypeChangeOutcome } from '../src/trace/type-change-truth.js';
import { runEffectGrid } from './effect-grid.js';
import { observeTypeGrid, typeOf, wrongLockClaims } from './truth-helpers.js';

for (const module of ['pglite-pg16', 'pglite-pg17']) {
  describe(`the truth grids on ${module}`, () => {
    let db: Database;
    let version = '';
    const locks: { sql: string; relation: string; mode: string }[] = [];
    let types: Map<string, { from: string; to: string; outcome: TypeChangeOutcome }>;
    let effects: Awaited<ReturnType<typeof runEffectGrid>>;

    beforeAll(async () => {
      await loadModule();
      // A fresh database for each grid, as the default version's tests have.
      db = await openPglite(module);
      version = (await db.query<{ server_version: string }>('SHOW server_version'))[0]!.server_version;
      for (const { sql, relation } of LOCK_GRID) locks.push({ sql, relation, mode: await observeLock(db, sql, relation) });
      await db.close();
      db = await openPglite(module);
      effects = await runEffectGrid(db);
      await db.close();
      db = await openPglite(module);
      await prepareTruthDatabase(db);
      types = await observeTypeGrid(db);
    }, 300_000);

    afterAll(async () => {
      await db?.close();
    });

    it('is the PostgreSQL version it says', () => {
      expect(version).toMatch(module === 'pglite-pg16' ? /^16\./ : /^17\./);
    });

    it('takes the lock migsafe claims, for every statement of the lock grid', () => {
      expect(locks.filter((l) => l.mode.startsWith('error'))).toEqual([]);
      expect(wrongLockClaims(locks, `PostgreSQL ${version}`)).toEqual([]);
    });

    it('rewrites, rebuilds and scans what migsafe claims, for every statement of the effects grid', () => {
      expect(effects.refused).toEqual([]);
      expect(effects.wrong).toEqual([]);
    });

    it('rewrites what migsafe says it rewrites, for every pair of the type grid', () => {
      const pgVersion = Number(version.split('.')[0]);
      const wrong: string[] = [];
      for (const [key, { from, to, outcome }] of types) {
        if (outcome === 'error') continue;
        const verdict = typeChangeVerdict(typeOf(from), typeOf(to), false, { pgVersion, timeZone: null });
        const said: TypeChangeOutcome = verdict.rewrites ? 'rewrite' : verdict.rebuildsIndexes ? 'index' : 'none';
        if (said !== outcome) wrong.push(`${key}: PostgreSQL ${version} ${outcome}, migsafe ${said}`);
      }
      expect(wrong).toEqual([]);
    });
  });
}
