// Where a runner keeps the settings that decide transactions: its config file (a TypeORM DataSource,
// a MikroORM config, an Alembic env.py), the flags in the project's package.json scripts, and, above
// both, the `runners` section of migsafe's own config for what cannot be read statically. Read
// once per migration directory, lazily, and never run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Dependencies } from '../engine/cache.js';

export type RunnerOverrides = Record<string, Record<string, unknown> | undefined>;

/** The folders below a project root where runner config files usually live. */
const CONFIG_FOLDERS = ['', 'src', 'src/config', 'config', 'src/database', 'src/db', 'db', 'database', 'server', 'server/src', 'apps'];

export class RunnerProject {
  private scriptsCache: string[] | null = null;
  private rootCache: string | null = null;
  private readonly settingsCache = new Map<string, Record<string, unknown>>();

  constructor(
    /** The migration directory. */
    readonly dir: string,
    private readonly overrides: RunnerOverrides = {},
    /** Where what is read is recorded, for the lint cache. */
    private readonly dependencies?: Dependencies,
  ) {}

  private exists(absPath: string): boolean {
    const exists = existsSync(absPath);
    this.dependencies?.exists(absPath, exists);
    return exists;
  }

  private readText(absPath: string): string | null {
    let text: string | null = null;
    try {
      text = readFileSync(absPath, 'utf8');
    } catch {
      // not there, or a folder
    }
    this.dependencies?.file(absPath, text);
    return text;
  }

  /** A runner's settings, read once per migration directory (every file of it asks). */
  settings(name: string, read: (project: RunnerProject) => Record<string, unknown>): Record<string, unknown> {
    let settings = this.settingsCache.get(name);
    if (!settings) this.settingsCache.set(name, (settings = read(this)));
    return settings;
  }

  /** migsafe's config for this runner (`runners.<name>`), which wins over what is read. */
  override(name: string): Record<string, unknown> {
    return this.overrides[name] ?? {};
  }

  /** The nearest folder at or above the migration directory with a package.json (or a .git), else the directory's parent. */
  get root(): string {
    if (this.rootCache !== null) return this.rootCache;
    let current = this.dir;
    for (;;) {
      if (this.exists(path.join(current, 'package.json')) || this.exists(path.join(current, '.git'))) return (this.rootCache = current);
      const parent = path.dirname(current);
      if (parent === current) return (this.rootCache = path.dirname(this.dir));
      current = parent;
    }
  }

  /** The commands of the project's package.json scripts (where runner flags such as --non-transactional live). */
  scripts(): string[] {
    if (this.scriptsCache) return this.scriptsCache;
    try {
      const scripts = JSON.parse(this.readText(path.join(this.root, 'package.json')) ?? '{}').scripts;
      this.scriptsCache = scripts && typeof scripts === 'object' ? Object.values(scripts).filter((s): s is string => typeof s === 'string') : [];
    } catch {
      this.scriptsCache = [];
    }
    return this.scriptsCache;
  }

  /**
   * The texts of config files whose names match, nearest first: the migration directory and its
   * parents up to the project root, then the usual config folders below the root.
   */
  configTexts(name: RegExp): { file: string; text: string }[] {
    const folders: string[] = [];
    for (let current = this.dir; ; current = path.dirname(current)) {
      folders.push(current);
      if (current === this.root || path.dirname(current) === current) break;
    }
    for (const sub of CONFIG_FOLDERS) folders.push(path.join(this.root, sub));
    const seen = new Set<string>();
    const found: { file: string; text: string }[] = [];
    for (const folder of folders) {
      if (seen.has(folder)) continue;
      seen.add(folder);
      let entries: string[];
      try {
        entries = readdirSync(folder);
      } catch {
        this.dependencies?.dir(folder, null);
        continue;
      }
      this.dependencies?.dir(folder, entries);
      for (const entry of entries.sort()) {
        if (!name.test(entry)) continue;
        const file = path.join(folder, entry);
        const text = this.readText(file); // null: a folder or an unreadable file of that name, not a config
        if (text !== null) found.push({ file, text });
      }
    }
    return found;
  }
}
