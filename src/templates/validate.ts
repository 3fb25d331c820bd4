/**
 * Save-time checks of a template, so a mistake is refused when it is stored rather than at every
 * publish: syntax errors with line and column and the reason, unknown helpers, and helpers used in
 * the wrong kind of tag (`{{if x}}` for `{{#if x}}…{{/if}}`, `{{#upper x}}` for `{{upper x}}`).
 * Checking only: rendering stays in ./engine.ts.
 */
import type { HelperDelegate } from 'handlebars';
import { hbs } from './engine.js';
import './alerts/helpers.js';

/** Handlebars' own helpers that take a block (`{{#each}}…{{/each}}`); every other helper prints a value. */
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
/** They take exactly one argument. */
const ONE_ARGUMENT = new Set(['if', 'unless', 'each', 'with']);
/** Handlebars' internals, never called by name. */
const INTERNAL = new Set(['helperMissing', 'blockHelperMissing']);

export class TemplateProblem extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}

/** The helpers a template may call: Handlebars' own and Herald's (engine.ts, alerts/helpers.ts). */
export function knownHelpers(): string[] {
  return Object.keys(hbs.helpers as Record<string, HelperDelegate>).filter((n) => !INTERNAL.has(n)).sort();
}

/** What the parser's token names mean to someone writing a template. */
const TOKENS: Record<string, string> = {
  EOF: 'the end of the template',
  INVALID: 'a character that cannot be there',
  CLOSE: '"}}"',
  CLOSE_UNESCAPED: '"}}}"',
  CLOSE_RAW_BLOCK: '"}}}}"',
  OPEN: '"{{"',
  OPEN_BLOCK: '"{{#"',
  OPEN_ENDBLOCK: '"{{/"',
  OPEN_INVERSE: '"{{^"',
  OPEN_INVERSE_CHAIN: '"{{else"',
  INVERSE: '"{{else}}"',
  OPEN_PARTIAL: '"{{>"',
  OPEN_SEXPR: '"("',
  CLOSE_SEXPR: '")"',
  EQUALS: '"="',
  ID: 'a name',
  SEP: '"." or "/"',
  DATA: '"@"',
  STRING: 'a string',
  NUMBER: 'a number',
  BOOLEAN: 'true or false',
  CONTENT: 'text',
  UNDEFINED: 'undefined',
  NULL: 'null',
  OPEN_BLOCK_PARAMS: '"as |"',
  CLOSE_BLOCK_PARAMS: '"|"',
};
const tokenText = (t: string) => TOKENS[t.replace(/^'|'$/g, '')] ?? t.replace(/^'|'$/g, '');

interface ParseHash {
  token?: string;
  expected?: string[];
  loc?: { first_line: number; first_column: number };
  line?: number;
}

interface HbsException {
  message: string;
  lineNumber?: number;
  column?: number;
}

type Parser = { parseError: (str: string, hash: ParseHash) => never };

function parseOrThrow(content: string): hbs.AST.Program {
  // The generated parser drops the error's position; keep it for this (synchronous) parse only.
  const parser = (hbs as unknown as { Parser: Parser }).Parser;
  const own = Object.hasOwn(parser, 'parseError');
  const original = parser.parseError;
  parser.parseError = (str: string, hash: ParseHash) => {
    throw Object.assign(new Error(str), { hash });
  };
  try {
    return hbs.parse(content);
  } catch (err) {
    const e = err as HbsException & { hash?: ParseHash };
    if (e.hash?.loc) {
      const got = e.hash.token ? tokenText(e.hash.token) : 'something unexpected';
      const expected = [...new Set((e.hash.expected ?? []).map(tokenText))].slice(0, 6);
      const reason = `found ${got}${expected.length ? ` where ${expected.join(', ')} should be` : ''}`;
      throw new TemplateProblem(e.hash.loc.first_line, e.hash.loc.first_column + 1, reason);
    }
    if (e.hash?.line !== undefined) throw new TemplateProblem(e.hash.line + 1, 1, e.message.split('\n')[0]!.replace(/^Lexical error on line \d+\. /, ''));
    if (e.lineNumber !== undefined) {
      const mismatch = /^(\S+) doesn't match (\S+) - \d+:\d+$/.exec(e.message);
      if (mismatch) {
        // Handlebars points at the opening tag; the mistake is the closing one after it
        const [, open, close] = mismatch as unknown as [string, string, string];
        const at = closingTag(content, close, e.lineNumber, e.column ?? 0);
        throw new TemplateProblem(at.line, at.column, `{{/${close}}} does not close {{#${open}}} (opened at line ${e.lineNumber}, column ${(e.column ?? 0) + 1})`);
      }
      throw new TemplateProblem(e.lineNumber, (e.column ?? 0) + 1, e.message.replace(/ - \d+:\d+$/, ''));
    }
    throw new TemplateProblem(1, 1, e.message.split('\n')[0]!);
  } finally {
    if (own) parser.parseError = original;
    else delete (parser as Partial<Parser>).parseError;
  }
}

/** Where `{{/name}}` first appears after (line, column): 1-based line and column. */
function closingTag(content: string, name: string, line: number, column: number): { line: number; column: number } {
  const lines = content.split('\n');
  let offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`\\{\\{~?\\s*\\/\\s*${escaped}\\s*~?\\}\\}`).exec(content.slice(offset));
  if (!m) return { line, column: column + 1 };
  offset += m.index;
  const before = content.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

type Node = hbs.AST.Node & Record<string, unknown>;
const at = (n: hbs.AST.Node) => [n.loc?.start.line ?? 1, (n.loc?.start.column ?? 0) + 1] as const;

/** Throws TemplateProblem for the first mistake; returns the parsed template otherwise. */
export function validateTemplate(content: string): hbs.AST.Program {
  const ast = parseOrThrow(content);
  const helpers = new Set(knownHelpers());
  const fail = (n: hbs.AST.Node, reason: string): never => {
    const [line, column] = at(n);
    throw new TemplateProblem(line, column, reason);
  };
  const nameOf = (p: hbs.AST.Node) => (p.type === 'PathExpression' ? (p as hbs.AST.PathExpression).original : undefined);
  const simpleName = (p: hbs.AST.Node) => {
    const path = p as hbs.AST.PathExpression;
    return p.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length === 1 ? path.parts[0] : undefined;
  };
  const unknown = (n: hbs.AST.Node, name: string) =>
    fail(n, `unknown helper "${name}"; the helpers are ${knownHelpers().join(', ')}`);

  /** A call with arguments (`{{name a b}}`, `(name a)`) must name a helper. */
  const call = (n: hbs.AST.Node, path: hbs.AST.Node, params: hbs.AST.Node[], hash: hbs.AST.Hash | undefined, block: boolean) => {
    const name = simpleName(path);
    const hasArgs = params.length > 0 || (hash?.pairs.length ?? 0) > 0;
    if (name !== undefined && helpers.has(name)) {
      if (BLOCK_HELPERS.has(name) && !block) fail(n, `"${name}" is a block helper: write {{#${name} …}}…{{/${name}}}`);
      if (!BLOCK_HELPERS.has(name) && block) fail(n, `"${name}" prints a value and takes no block: write {{${name} …}}${name === 'eq' ? ', or {{#if (eq a b)}}…{{/if}}' : ''}`);
      if (ONE_ARGUMENT.has(name) && params.length !== 1) fail(n, `{{#${name}}} takes exactly one argument, got ${params.length}`);
    } else if (hasArgs) {
      unknown(n, nameOf(path) ?? String((path as unknown as { original?: unknown }).original ?? '?'));
    }
    for (const p of params) visit(p);
    for (const pair of hash?.pairs ?? []) visit(pair.value);
  };

  function visit(node: hbs.AST.Node | undefined | null): void {
    if (!node) return;
    const n = node as Node;
    switch (n.type) {
      case 'Program':
        for (const s of (n as unknown as hbs.AST.Program).body) visit(s);
        return;
      case 'MustacheStatement': {
        const m = n as unknown as hbs.AST.MustacheStatement;
        call(m, m.path, m.params, m.hash, false);
        return;
      }
      case 'SubExpression': {
        const s = n as unknown as hbs.AST.SubExpression;
        const name = simpleName(s.path);
        if (name === undefined || !helpers.has(name)) unknown(s, nameOf(s.path) ?? '?');
        call(s, s.path, s.params, s.hash, false);
        return;
      }
      case 'BlockStatement': {
        const b = n as unknown as hbs.AST.BlockStatement;
        call(b, b.path, b.params, b.hash, true);
        visit(b.program);
        visit(b.inverse);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        fail(n, 'partials ({{> name}}) are not available in Herald templates');
        return;
      case 'Decorator':
      case 'DecoratorBlock':
        fail(n, 'decorators ({{* name}}) are not available in Herald templates');
        return;
      default:
        return;
    }
  }
  visit(ast);
  return ast;
}
