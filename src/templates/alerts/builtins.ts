/**
 * The built-in alert templates, one per platform's markdown dialect. The adapters put the subject
 * ("[FIRING:2] HighCPU") in the title and the level in the header colour (Lark) or a marker
 * (DingTalk, WeCom); these bodies carry the status line and one block per alert.
 * A stored template named `alertmanager` or `grafana` for a protocol (or `default`) replaces them;
 * the fields they can use are AlertContext in ./context.ts.
 */

interface Dialect {
  /** line break: DingTalk markdown needs a blank line to break a line */
  br: string;
  bold(s: string): string;
  /** the status word, coloured where the dialect can */
  status: string;
  /** the description, set apart where the dialect can */
  note(s: string): string;
}

function template(d: Dialect): string {
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
    line('{{#each links}}[{{name}}]({{url}}){{#unless @last}} | {{/unless}}{{/each}}', 'links'),
  ].join('');
  const separator = br === '\n' ? '\n' : '';
  return (
    `${d.status} · {{counts}}${br === '\n' ? '\n\n' : br}` +
    `{{#each alerts}}${alert}{{#unless @last}}${separator}{{/unless}}{{/each}}` +
    `{{#if moreCount}}${separator}… and {{moreCount}} more{{/if}}`
  );
}

const plainStatus = '**{{statusText}}**';

export const BUILTIN_ALERT_TEMPLATES: Readonly<Record<string, string>> = {
  /** lark_md: **bold**, [link](url), <font color> (green, red, grey) — https://open.feishu.cn/document/common-capabilities/message-card/message-cards-content/using-markdown-tags */
  lark: template({
    br: '\n',
    bold: (s) => `**${s}**`,
    status: "{{#if firingCount}}<font color='red'>**{{statusText}}**</font>{{else}}<font color='green'>**{{statusText}}**</font>{{/if}}",
    note: (s) => `<font color='grey'>${s}</font>`,
  }),
  /** DingTalk markdown (headings, bold, links, quotes; no colours) — https://open.dingtalk.com/document/robots/custom-robot-access */
  dingtalk: template({ br: '\n\n', bold: (s) => `**${s}**`, status: plainStatus, note: (s) => `> ${s}` }),
  /** WeCom markdown: <font color="info|comment|warning"> — https://developer.work.weixin.qq.com/document/path/91770 */
  wecom: template({
    br: '\n',
    bold: (s) => `**${s}**`,
    status: '{{#if firingCount}}<font color="warning">**{{statusText}}**</font>{{else}}<font color="info">**{{statusText}}**</font>{{/if}}',
    note: (s) => `<font color="comment">${s}</font>`,
  }),
  /** webhooks and anything else: plain markdown */
  default: template({ br: '\n', bold: (s) => `**${s}**`, status: plainStatus, note: (s) => `_${s}_` }),
};
