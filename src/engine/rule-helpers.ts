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

