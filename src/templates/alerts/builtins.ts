/**
 * The built-in alert templates, one per protocol, written in the markdown dialect its adapter
 * declares (`describe.dialect`, adapters/types.ts MarkdownDialect; CommonMark when it declares none).
 * The adapters put the subject ("[FIRING:2] HighCPU") in the title and the level in a header colour
 * or a marker; these bodies carry the status line and one block per alert.
 * A stored template named `alertmanager` or `grafana` for a protocol (or `default`) replaces them;
 * the fields they can use are AlertContext in ./context.ts.
 */
import { adapterFactories } from '../../../adapters/index.js';
import type { MarkdownDialect } from '../../../adapters/types.js';

/** CommonMark: webhooks, and any protocol that declares no dialect. */
export const COMMONMARK: MarkdownDialect = {
  br: '\n',
  bold: '**{text}**',
  link: '[{text}]({url})',
  firing: '**{text}**',
  resolved: '**{text}**',
  note: '_{text}_',
};

/** A dialect string with its `{text}` and `{url}` placeholders filled. */
const fill = (pattern: string, text: string, url = ''): string => pattern.split('{text}').join(text).split('{url}').join(url);

interface Dialect {
  br: string;
  bold(s: string): string;
  link(text: string, url: string): string;
  status: string;
  note(s: string): string;
}

function compile(d: MarkdownDialect): Dialect {
  const status =
    d.firing === d.resolved
      ? fill(d.firing, '{{statusText}}')
      : `{{#if firingCount}}${fill(d.firing, '{{statusText}}')}{{else}}${fill(d.resolved, '{{statusText}}')}{{/if}}`;
  return {
    br: d.br,
    bold: (s) => fill(d.bold, s),
    link: (text, url) => fill(d.link, text, url),
    status,
    note: (s) => fill(d.note, s),
  };
}

function template(dialect: MarkdownDialect): string {
  const d = compile(dialect);
  const { br } = d;
  const line = (content: string, cond?: string) => (cond ? `{{#if ${cond}}}${content}${br}{{/if}}` : `${content}${br}`);
  const times =
    '{{#if severity}}Severity: {{severity}} · {{/if}}Started: {{startsAt}}' +
    '{{#if firing}}{{#if duration}} (firing for {{duration}}){{/if}}' +
    '{{else}}{{#if endsAt}} · Ended: {{endsAt}}{{/if}}{{#if duration}} (lasted {{duration}}){{/if}}{{/if}}';
  const alert = [
    line(`{{marker}} ${d.bold('{{alertname}}')}{{#if instance}} · {{instance}}{{/if}}`),
    line('{{summary}}', 'summary'),
    line(d.note('{{description}}'), 'description'),
    line('Value: {{value}}', 'value'),
    line(times),
    line('Labels: {{join otherLabels ", "}}', 'otherLabels'),
    line(`{{#each links}}${d.link('{{name}}', '{{url}}')}{{#unless @last}} | {{/unless}}{{/each}}`, 'links'),
  ].join('');
  const separator = br === '\n' ? '\n' : '';
  return (
    `${d.status} · {{counts}}${br === '\n' ? '\n\n' : br}` +
    `{{#each alerts}}${alert}{{#unless @last}}${separator}{{/unless}}{{/each}}` +
    `{{#if moreCount}}${separator}… and {{moreCount}} more{{/if}}`
  );
}

/** protocol → its built-in alert template; `default` for anything else. */
export const BUILTIN_ALERT_TEMPLATES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(adapterFactories.filter((f) => f.describe.dialect).map((f) => [f.protocol, template(f.describe.dialect!)])),
  default: template(COMMONMARK),
};
