import { dump } from 'js-yaml';
import { createHash } from 'node:crypto';

/**
 * Just enough of Helm's template language to render deploy/helm/ringfence for its spec, where
 * no `helm` binary is installed: `{{ }}` actions with `{{-`/`-}}` trimming, comments,
 * `define`/`include`, `if`/`else`/`end`, `.Values`/`.Release`/`.Chart` paths, string and
 * number literals, pipelines, and the functions the chart uses (toYaml, nindent, indent, quote,
 * default, trunc, trimSuffix, sha256sum). Anything else throws, so the chart cannot drift into
 * what this does not check. It is no substitute for `helm lint` / `helm template`, which should
 * be run where installed (docs/adr/0024-deployment.md).
 */
export type RenderContext = Record<string, unknown>;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; expr: string }
  | { kind: 'if'; expr: string; then: Node[]; otherwise: Node[] }
  | { kind: 'define'; name: string; body: Node[] };

export class HelmRenderer {
  private readonly defines = new Map<string, Node[]>();

  /** Reads the `define` blocks of a helpers file (`_helpers.tpl`). */
  addHelpers(source: string): void {
    this.render(source, {});
  }

  render(source: string, context: RenderContext): string {
    return this.evaluate(parse(tokenize(source)), context);
  }

  private evaluate(nodes: Node[], context: RenderContext): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'define') this.defines.set(node.name, node.body);
      else if (node.kind === 'if') out += this.evaluate(truthy(this.pipeline(node.expr, context)) ? node.then : node.otherwise, context);
      else {
        out += scalar(this.pipeline(node.expr, context));
      }
    }
    return out;
  }

  private pipeline(expr: string, context: RenderContext): unknown {
    let piped: unknown;
    splitOutside(expr, '|').forEach((command, index) => {
      const words = splitWords(command.trim());
      const args = words.slice(1).map((word) => this.operand(word, context));
      if (index > 0) args.push(piped);
      piped = words.length === 1 && index === 0 ? this.operand(words[0]!, context) : this.call(words[0]!, args, context);
    });
    return piped;
  }

  private operand(word: string, context: RenderContext): unknown {
    if (word === '.') return context;
    if (word.startsWith('"')) return JSON.parse(word) as string;
    if (/^-?\d+$/.test(word)) return Number(word);
    if (word.startsWith('.')) {
      return word
        .slice(1)
        .split('.')
        .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], context);
    }
    throw new Error(`helm-render: unsupported operand ${word}`);
  }

  private call(name: string, args: unknown[], context: RenderContext): unknown {
    const text = scalar;
    switch (name) {
      case 'include': {
        const body = this.defines.get(args[0] as string);
        if (!body) throw new Error(`helm-render: no template ${String(args[0])}`);
        return this.evaluate(body, (args[1] as RenderContext) ?? context);
      }
      case 'toYaml':
        return dump(args[0], { lineWidth: -1 }).replace(/\n$/, '');
      case 'nindent':
        return `\n${indent(args[0] as number, text(args[1]))}`;
      case 'indent':
        return indent(args[0] as number, text(args[1]));
      case 'quote':
        return JSON.stringify(text(args[0]));
      case 'default':
        return truthy(args[1]) ? args[1] : args[0];
      case 'trunc':
        return text(args[1]).slice(0, args[0] as number);
      case 'trimSuffix':
        return text(args[1]).endsWith(args[0] as string) ? text(args[1]).slice(0, -(args[0] as string).length) : text(args[1]);
      case 'sha256sum':
        return createHash('sha256').update(text(args[0])).digest('hex');
      default:
        throw new Error(`helm-render: unsupported function ${name}`);
    }
  }
}

/** A value as a template prints it; a map or list printed whole is a mistake in the chart (Helm would print `map[…]`). */
function scalar(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`helm-render: a ${typeof value} printed as text (use toYaml)`);
}

function indent(spaces: number, text: string): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return !!value;
}

type Token = { kind: 'text'; text: string } | { kind: 'action'; body: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let rest = source;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      tokens.push({ kind: 'text', text: rest });
      return tokens;
    }
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new Error('helm-render: an unclosed {{');
    let text = rest.slice(0, open);
    let body = rest.slice(open + 2, close);
    rest = rest.slice(close + 2);
    if (body.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    if (body.endsWith('-')) {
      rest = rest.replace(/^\s+/, '');
      body = body.slice(0, -1);
    }
    tokens.push({ kind: 'text', text }, { kind: 'action', body: body.trim() });
  }
}

function parse(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; node?: Extract<Node, { kind: 'if' | 'define' }>; inElse?: boolean }[] = [{ nodes: root }];
  const top = () => stack[stack.length - 1]!;
  for (const token of tokens) {
    if (token.kind === 'text') {
      if (token.text) top().nodes.push({ kind: 'text', text: token.text });
      continue;
    }
    const body = token.body;
    if (body.startsWith('/*')) continue;
    const [keyword = '', ...rest] = body.split(/\s+/);
    if (keyword === 'define') {
      const node: Node = { kind: 'define', name: JSON.parse(rest.join(' ')) as string, body: [] };
      top().nodes.push(node);
      stack.push({ nodes: node.body, node });
    } else if (keyword === 'if') {
      const node: Node = { kind: 'if', expr: rest.join(' '), then: [], otherwise: [] };
      top().nodes.push(node);
      stack.push({ nodes: node.then, node });
    } else if (keyword === 'else') {
      const frame = top();
      if (frame.node?.kind !== 'if' || frame.inElse) throw new Error('helm-render: else outside if');
      frame.inElse = true;
      frame.nodes = frame.node.otherwise;
    } else if (keyword === 'end') {
      if (stack.length === 1) throw new Error('helm-render: end without a block');
      stack.pop();
    } else if (['range', 'with', 'template', 'block', 'tpl'].includes(keyword)) {
      throw new Error(`helm-render: unsupported action ${keyword}`);
    } else {
      top().nodes.push({ kind: 'expr', expr: body });
    }
  }
  if (stack.length !== 1) throw new Error('helm-render: an unclosed block');
  return root;
}

function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

function splitWords(text: string): string[] {
  return splitOutside(text, ' ').filter((word) => word.length > 0);
}
