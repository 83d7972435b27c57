// Helpers for rule files, so each rule holds only what is particular to it.
import { columnConstraints, relationName } from './ast.js';
import type { StatementContext } from './rule.js';
import type { AstNode } from './types.js';

/**
 * The ALTER TABLE subcommands of the given subtypes, on a table that existed before this migration
 * (work on a table created in the same migration is safe: it is empty and no one uses it yet).
 * `orFilled`: also on a new table filled since from a query or a file, for rules about work done
 * per row (a scan, a rewrite, an index build).
 */
export function existingTableCommands(node: AstNode, ctx: StatementContext, subtypes: string[], { orFilled = false } = {}): { cmd: AstNode; table: string }[] {
  if (node.objtype && node.objtype !== 'OBJECT_TABLE') return [];
  const table = relationName(node.relation);
  if (orFilled ? ctx.isNewAndEmpty(table) : ctx.isNew(table)) return [];
  return (node.cmds ?? [])
    .map((item: AstNode) => item.AlterTableCmd)
    .filter((cmd: AstNode | undefined) => cmd && subtypes.includes(cmd.subtype))
    .map((cmd: AstNode) => ({ cmd, table }));
}

/** The constraints declared inline on a column added by ADD COLUMN. */
export function addedColumnConstraints(cmd: AstNode): AstNode[] {
  return cmd.def?.ColumnDef ? columnConstraints(cmd.def.ColumnDef) : [];
}


/** The table's primary key when it is one column (what a batched backfill walks), else null. */
export function primaryKeyColumn(ctx: StatementContext, table: string): string | null {
  const keys = [...(ctx.catalog.table(table)?.constraints.values() ?? [])].find((c) => c.kind === 'primary-key')?.columns ?? [];
  return keys.length === 1 ? keys[0]! : null;
}

/** A batched backfill's settings, from the rule's options (`batchSize`, `lockTimeout`). */
export function backfillOptions(options: Record<string, unknown>): { batchSize: number; lockTimeout: string } {
  return { batchSize: Number(options.batchSize ?? 1000), lockTimeout: String(options.lockTimeout ?? '5s') };
}
