/**
 * Markdown → a platform's own markup, through markdown-it's token stream (raw HTML off, so a
 * message's `<b>` is text, never markup). A dialect says how each construct is written and how
 * plain text is escaped; markdown-it balances the tokens, so the output's tags always nest.
 * Used where a platform has its own syntax (Slack mrkdwn, Telegram HTML, Adaptive Card text);
 * email renders HTML with markdown-it itself.
 */
import { createRequire } from 'node:module';
import type MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

const require = createRequire(import.meta.url);
let parser: InstanceType<typeof MarkdownIt> | undefined;

/**
 * CommonMark plus tables and strikethrough; raw HTML is text; a single newline is a line break.
 * Loaded at the first message rendered for a platform with markup of its own (most deployments
 * post to DingTalk, Lark and WeCom only, whose markdown goes out as it is).
 */
export function markdown(): InstanceType<typeof MarkdownIt> {
  if (!parser) {
    const Markdown = require('markdown-it') as typeof MarkdownIt;
    parser = new Markdown({ html: false, linkify: false, breaks: true });
  }
  return parser;
}

export interface Dialect {
  /** plain text, escaped for the platform */
  text(s: string): string;
  strong(inner: string): string;
  em(inner: string): string;
  strike(inner: string): string;
  /** inline code: `code` is raw (unescaped) */
  code(code: string): string;
  /** `inner` is already rendered; `href` raw */
  link(href: string, inner: string): string;
  image(src: string, alt: string): string;
  heading(inner: string, level: number): string;
  /** fenced or indented code: raw content, no trailing newline */
  fence(code: string, lang: string): string;
  /** `inner` is the rendered content of the quote; `depth` 1 for the outermost */
  quote(inner: string, depth: number): string;
  hr: string;
  /** the marker of a list item: "• " or "3. " */
  bullet(ordered: boolean, n: number): string;
  /** a table row: its rendered cells */
  row(cells: string[]): string;
}

/** Renders markdown source in `d`: blocks separated by a blank line. */
export function renderMarkdown(src: string, d: Dialect): string {
  const tokens = markdown().parse(src, {});
  let pos = 0;
  let quoteDepth = 0;

  const blocks = (until?: string): string[] => {
    const out: string[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (until && t.type === until) return out;
      switch (t.type) {
        case 'paragraph_open':
          out.push(inline(tokens[pos++]!.children ?? []));
          pos++; // paragraph_close
          break;
        case 'heading_open':
          out.push(d.heading(inline(tokens[pos++]!.children ?? []), Number(t.tag.slice(1))));
          pos++;
          break;
        case 'bullet_list_open':
        case 'ordered_list_open':
          out.push(list(t.type === 'ordered_list_open', Number(t.attrGet('start') ?? 1)));
          break;
        case 'blockquote_open': {
          quoteDepth++;
          const inner = blocks('blockquote_close').join('\n\n');
          out.push(d.quote(inner, quoteDepth));
          quoteDepth--;
          break;
        }
        case 'fence':
        case 'code_block':
          out.push(d.fence(t.content.replace(/\n$/, ''), (t.info ?? '').trim().split(/\s+/)[0] ?? ''));
          break;
        case 'hr':
          out.push(d.hr);
          break;
        case 'table_open':
          out.push(table());
          break;
        case 'html_block':
          out.push(d.text(t.content.replace(/\n$/, '')));
          break;
        default:
          break;
      }
    }
    return out;
  };

  const list = (ordered: boolean, start: number): string => {
    const items: string[] = [];
    let n = start;
    const close = ordered ? 'ordered_list_close' : 'bullet_list_close';
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.type === close) break;
      if (t.type === 'list_item_open') {
        const body = blocks('list_item_close').join('\n');
        items.push(d.bullet(ordered, n++) + body.replace(/\n/g, '\n  '));
      }
    }
    return items.join('\n');
  };

  const table = (): string => {
    const rows: string[] = [];
    let cells: string[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.type === 'table_close') break;
      if (t.type === 'tr_open') cells = [];
      else if (t.type === 'inline') cells.push(inline(t.children ?? []));
      else if (t.type === 'tr_close') rows.push(d.row(cells));
    }
    return rows.join('\n');
  };

  const inline = (children: Token[]): string => {
    let i = 0;
    const until = (close?: string): string => {
      let s = '';
      while (i < children.length) {
        const c = children[i++]!;
        if (close && c.type === close) return s;
        switch (c.type) {
          case 'text':
          case 'html_inline':
            s += d.text(c.content);
            break;
          case 'softbreak':
          case 'hardbreak':
            s += '\n';
            break;
          case 'code_inline':
            s += d.code(c.content);
            break;
          case 'strong_open':
            s += d.strong(until('strong_close'));
            break;
          case 'em_open':
            s += d.em(until('em_close'));
            break;
          case 's_open':
            s += d.strike(until('s_close'));
            break;
          case 'link_open':
            s += d.link(String(c.attrGet('href') ?? ''), until('link_close'));
            break;
          case 'image':
            s += d.image(String(c.attrGet('src') ?? ''), c.content);
            break;
          default:
            break;
        }
      }
      return s;
    };
    return until();
  };

  return blocks().join('\n\n');
}

