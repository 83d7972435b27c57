// The whole-run cache, in front of the per-directory one (cache.ts): a `lint --cache` run whose
// every input is unchanged prints what the same command printed last time, without loading the
// parser, the rules or the sources. Its inputs are the command (arguments, working directory,
// colour settings, migsafe's build) and every path the run looked at: each file it read and each
// folder it listed or looked for (discovery, the readers, config search, statistics, baseline).
// They are checked by metadata, as ESLint's default cache strategy does: a file by size and
// modification time, a folder by modification time (a file added, removed or renamed changes it),
// a path by whether it exists. Whatever differs sends the run down the normal path, where the
// per-directory cache checks contents. A file modified less than two seconds before the recorded run
// started, or during it, is not trusted by its time (the racy case git knows), and a run that cannot
// be recorded is just not recorded. Only this module, the per-directory cache's and node's own are
// loaded before a replay.
// https://eslint.org/docs/latest/use/command-line-interface#--cache-strategy
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildId } from './cache.js';

const FORMAT = 1;
/** Modification times this close to the recorded run's start, or after it, are not trusted (a write in the same tick looks unchanged). */
const RACY_MS = 2000;

/** What a run looked at: dependency keys as the per-directory cache writes them (`file:`, `source:`, `dir:`, `exists:`). */
export type RunDependencies = Set<string>;

interface RunRecord {
  format: number;
  startedAt: number;
  files: [string, number, number][];
  dirs: [string, number][];
  exists: [string, boolean][];
  stderr: string;
  code: number;
  /** The id the output file it goes with starts with (two runs of one command can write at once). */
  output: string;
}

export interface ReplayedRun {
  /** Kept apart, in `<record>.out`, read only once the record holds (a report can be megabytes). */
  stdout: string | Buffer;
  stderr: string;
  code: number;
}

const hash = (text: string) => createHash('sha1').update(text).digest('hex');

/** The record's file for a command, tied to migsafe's build as the per-directory cache is. */
export function runRecordFile(location: string, command: unknown): string {
  return path.join(location, `run-${hash(JSON.stringify([FORMAT, buildId(), command]))}.json`);
}

/** The output of the same command, if everything it looked at is as it was; null otherwise. */
export function replayRun(file: string): ReplayedRun | null {
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    if (record.format !== FORMAT || !Array.isArray(record.files) || !Array.isArray(record.dirs) || !Array.isArray(record.exists) || typeof record.stderr !== 'string') return null;
  } catch {
    return null;
  }
  const trusted = (mtimeMs: number) => mtimeMs < record.startedAt - RACY_MS;
  try {
    for (const [absPath, size, mtimeMs] of record.files) {
      const stat = statSync(absPath);
      if (stat.size !== size || stat.mtimeMs !== mtimeMs || !trusted(mtimeMs)) return null;
    }
    for (const [absPath, mtimeMs] of record.dirs) {
      if (statSync(absPath).mtimeMs !== mtimeMs || !trusted(mtimeMs)) return null;
    }
  } catch {
    return null; // gone, or cannot be read: not the same
  }
  for (const [absPath, existed] of record.exists) if (existsSync(absPath) !== existed) return null;
  try {
    const out = readFileSync(`${file}.out`);
    const newline = out.indexOf(10);
    return newline > 0 && out.toString('latin1', 0, newline) === record.output ? { stdout: out.subarray(newline + 1), stderr: record.stderr, code: record.code } : null;
  } catch {
    return null;
  }
}

/** Keeps a run's output with the metadata of everything it looked at. */
export function recordRun(file: string, startedAt: number, dependencies: RunDependencies, output: ReplayedRun): void {
  const record: RunRecord = { format: FORMAT, startedAt, files: [], dirs: [], exists: [], stderr: output.stderr, code: output.code, output: randomBytes(12).toString('hex') };
  try {
    for (const key of dependencies) {
      const colon = key.indexOf(':');
      const kind = key.slice(0, colon);
      const absPath = key.slice(colon + 1);
      if (kind === 'exists') {
        record.exists.push([absPath, existsSync(absPath)]);
        continue;
      }
      const stat = statSync(absPath, { throwIfNoEntry: false });
      if (!stat) {
        record.exists.push([absPath, false]);
      } else if (kind === 'dir') {
        record.dirs.push([absPath, stat.mtimeMs]);
      } else {
        record.files.push([absPath, stat.size, stat.mtimeMs]);
      }
    }
    mkdirSync(path.dirname(file), { recursive: true });
    // The output first, after the id the record names it by.
    for (const [target, text] of [[`${file}.out`, `${record.output}\n${output.stdout}`], [file, JSON.stringify(record)]] as const) {
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, text);
      renameSync(temporary, target);
    }
  } catch {
    // a read-only or full disk: the next run takes the normal path
  }
}
