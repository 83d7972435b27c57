// A rule's Markdown page (`migsafe explain`) as a terminal shows it: headings in bold, code blocks
// indented (in colour on a terminal), inline code and emphasis without their marks, links as
// "text (url)". The same text without colours when piped.
import pc from 'picocolors';

export function markdownForTerminal(markdown: string, color: boolean): string {
  const c = pc.createColors(color);
  const out: string[] = [];
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (/^(~~~|```)/.test(line)) {
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      out.push(`    ${c.green(line)}`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!, c);
      out.push(heading[1]!.length === 1 ? c.bold(c.underline(text)) : c.bold(text));
      continue;
    }
    out.push(inline(line, c));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function inline(text: string, c: ReturnType<typeof pc.createColors>): string {
  return text
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, label: string, url: string) => (label === url ? url : `${label} (${url})`))
    .replace(/`([^`]+)`/g, (_, code: string) => c.cyan(code))
    .replace(/\*\*([^*]+)\*\*/g, (_, bold: string) => c.bold(bold));
}
